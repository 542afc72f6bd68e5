// flock(2) lock files.
#include "base/lock_file.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "base/sys.hpp"

namespace vs::sys {

Status lock_exclusive(int fd, const std::string& path) {
    int r;
    do {
        r = ::flock(fd, LOCK_EX);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return errno_error(fmt::format("lock \"{}\"", path));
    return ok();
}

Result<UniqueFd> open_locked(const std::string& path, mode_t mode) {
    auto fd = VS_TRY(open(path, O_RDWR | O_CREAT | O_NOFOLLOW, mode));
    VS_TRY(lock_exclusive(fd.get(), path));
    return fd;
}

}  // namespace vs::sys
