// Error formatting.
#include "base/error.hpp"

#include <cerrno>
#include <cstring>

namespace vs {

std::string Error::what() const {
    if (code == 0) return message;
    if (message.empty()) return std::strerror(code);
    return fmt::format("{}: {}", message, std::strerror(code));
}

Error errno_error(std::string message) { return Error(errno, std::move(message)); }

}  // namespace vs
