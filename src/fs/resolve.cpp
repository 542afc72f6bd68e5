// open_in_root, open_child, open_regular: openat2(2) with the resolve flags that keep a lookup
// inside the tree it started in.
#include "fs/resolve.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace vs::fs {

namespace {

// openat2(2) returns EAGAIN when a concurrent rename or mount could have let RESOLVE_IN_ROOT or
// RESOLVE_BENEATH miss an escape; a hostile guest renaming in a loop must not hold the host
// in this loop forever, so the retries are bounded.
constexpr int kRetries = 64;

Result<UniqueFd> openat2(int dirfd, const std::string& path, int flags, mode_t mode,
                         unsigned long long resolve, std::string_view what) {
    struct open_how how {};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = resolve;
    long fd = -1;
    for (int i = 0; i < kRetries; ++i) {
        fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN) break;
    }
    if (fd < 0) return errno_error(fmt::format("open \"{}\" {}", path, what));
    return UniqueFd(static_cast<int>(fd));
}

}  // namespace

Result<UniqueFd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode,
                              Resolve how) {
    unsigned long long resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    if (how.no_xdev) resolve |= RESOLVE_NO_XDEV;
    if (how.nofollow_last) flags |= O_NOFOLLOW;
    return openat2(rootfd, path, flags, mode, resolve, "in guest root");
}

Result<UniqueFd> open_child(int dirfd, const std::string& name, int flags) {
    return openat2(dirfd, name, flags | O_NOFOLLOW, 0,
                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
                   "inside the tree");
}

Result<UniqueFd> open_host_nofollow(const std::string& path, int flags) {
    // No O_NOFOLLOW: with O_PATH it would hand back the trailing symlink itself instead of
    // failing (openat2(2), RESOLVE_NO_SYMLINKS).
    return openat2(AT_FDCWD, path, flags & ~O_NOFOLLOW, 0,
                   RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, "without following symlinks");
}

namespace {

// The O_PATH fd pins the inode just checked; reopening it through its /proc/self/fd entry
// cannot reach anything else, whatever the guest renames meanwhile (proc(5)).
Result<UniqueFd> reopen_regular(UniqueFd path, const std::string& name, int flags,
                                int self_fds = -1) {
    struct stat st {};
    if (::fstat(path.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", name));
    if (!S_ISREG(st.st_mode))
        return make_error(EINVAL, "open \"{}\": not a regular file (mode {:o})", name, st.st_mode);
    const int how = (flags & ~O_CREAT) | O_CLOEXEC | O_NOCTTY;
    int fd = self_fds >= 0 ? ::openat(self_fds, std::to_string(path.get()).c_str(), how)
                           : ::open(fmt::format("/proc/self/fd/{}", path.get()).c_str(), how);
    if (fd < 0) return errno_error(fmt::format("open \"{}\"", name));
    return UniqueFd(fd);
}

}  // namespace

Result<UniqueFd> open_regular(int dirfd, const std::string& name, int flags, int self_fds) {
    return reopen_regular(VS_TRY(open_child(dirfd, name, O_PATH)), name, flags, self_fds);
}

Result<UniqueFd> open_regular_in_root(int rootfd, const std::string& path, int flags) {
    return reopen_regular(VS_TRY(open_in_root(rootfd, path, O_PATH)), path, flags);
}

}  // namespace vs::fs
