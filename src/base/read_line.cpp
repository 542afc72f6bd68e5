#include "base/read_line.hpp"

#include <unistd.h>

#include <cerrno>

#include "base/error.hpp"

namespace vs::sys {

Result<std::optional<std::string>> read_line(int fd, std::string& buf, const std::string& what) {
    for (;;) {
        auto nl = buf.find('\n');
        if (nl != std::string::npos) {
            std::string line = buf.substr(0, nl);
            buf.erase(0, nl + 1);
            return std::optional<std::string>(std::move(line));
        }
        char b[4096];
        ssize_t n = ::read(fd, b, sizeof b);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(fmt::format("read \"{}\"", what));
        }
        if (n == 0) return std::optional<std::string>();
        buf.append(b, static_cast<size_t>(n));
    }
}

}  // namespace vs::sys
