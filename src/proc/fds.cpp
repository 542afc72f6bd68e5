// fd sweeping.
#include "proc/fds.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace vs::proc {

namespace {
int close_range_raw(unsigned first, unsigned last) {
    return static_cast<int>(::syscall(SYS_close_range, first, last, 0));
}

Status sweep_proc(const std::vector<int>& keep) {
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return errno_error("opendir \"/proc/self/fd\"");
    std::vector<int> victims;
    int own = ::dirfd(d);
    while (struct dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long fd = std::strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || fd < 3 || fd == own) continue;
        if (std::find(keep.begin(), keep.end(), fd) != keep.end()) continue;
        victims.push_back(static_cast<int>(fd));
    }
    ::closedir(d);
    for (int fd : victims) ::close(fd);
    return ok();
}
}  // namespace

Status close_fds_except(std::vector<int> keep) {
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    unsigned next = 3;
    for (int k : keep) {
        if (k < static_cast<int>(next)) continue;
        if (static_cast<unsigned>(k) > next &&
            close_range_raw(next, static_cast<unsigned>(k) - 1) < 0) {
            if (errno == ENOSYS) return sweep_proc(keep);
            return errno_error(fmt::format("close_range {}..{}", next, k - 1));
        }
        next = static_cast<unsigned>(k) + 1;
    }
    if (close_range_raw(next, UINT_MAX) < 0) {
        if (errno == ENOSYS) return sweep_proc(keep);
        return errno_error(fmt::format("close_range {}..max", next));
    }
    return ok();
}

Result<int> move_above_stdio(int fd) {
    if (fd > 2) return fd;
    int n = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (n < 0) return errno_error(fmt::format("dup fd {}", fd));
    ::close(fd);
    return n;
}

}  // namespace vs::proc
