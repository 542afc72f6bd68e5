// Opening paths inside a guest-controlled tree: openat2(2) confined to a root or a directory.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::fs {

/// How far a lookup may go beyond RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, which are always on.
struct Resolve {
    bool no_xdev = false;        ///< RESOLVE_NO_XDEV: fail with EXDEV instead of crossing a mount
    bool nofollow_last = false;  ///< O_NOFOLLOW: the last component must not be a symlink
};

/// Opens `path` as if the directory `rootfd` were "/": an absolute or `..`-laden symlink planted
/// by the guest resolves inside the guest, never to the host (openat2(2) RESOLVE_IN_ROOT), and
/// /proc magic links are refused. O_CLOEXEC is always added.
Result<UniqueFd> open_in_root(int rootfd, const std::string& path, int flags, mode_t mode = 0,
                              Resolve how = {});

/// Opens the single entry `name` of the directory `dirfd` without following any symlink and
/// without crossing a mount (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV): what a
/// walk uses to step into a subdirectory it has just examined.
Result<UniqueFd> open_child(int dirfd, const std::string& name, int flags);

/// Opens the regular file `name` in `dirfd` for reading without ever opening anything else:
/// an O_PATH handle is checked first (a FIFO, device or socket is refused before any open(2)
/// that could block or reach a driver), then reopened through /proc/self/fd, which names that
/// very inode. Fails with EXDEV, ELOOP or EINVAL (not a regular file). A caller chrooted away
/// from /proc passes `self_fds`, its /proc/self/fd directory opened before the chroot.
Result<UniqueFd> open_regular(int dirfd, const std::string& name, int flags = O_RDONLY,
                              int self_fds = -1);

/// Opens the absolute host path `path` without following any symlink in any component
/// (RESOLVE_NO_SYMLINKS): for admin-given host paths, such as fstab bind sources, that may run
/// through a directory a guest can write (a volume shared with it), where a symlink the guest
/// plants would otherwise redirect the host's lookup anywhere. A symlink fails with ELOOP.
Result<UniqueFd> open_host_nofollow(const std::string& path, int flags);

/// open_in_root (symlinks followed inside the root) for a regular file only, with
/// open_regular's O_PATH check first: a FIFO or device the guest put at that path is refused
/// (EINVAL) before any open(2) that could block or reach a driver.
Result<UniqueFd> open_regular_in_root(int rootfd, const std::string& path, int flags = O_RDONLY);

}  // namespace vs::fs
