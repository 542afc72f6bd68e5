// fd-based mounting with the new mount API (fsopen/fsmount/open_tree/move_mount/mount_setattr):
// every target is an fd resolved inside the guest root, never a path string the guest controls.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::mount {

/// A detached mount of a fresh filesystem (fsopen + fsconfig + fsmount), with mount::Attr bits.
Result<UniqueFd> new_fs(const std::string& fstype, const std::string& source,
                        const std::vector<std::pair<std::string, std::string>>& params,
                        uint64_t attrs);

/// new_fs in two steps, for a caller that creates the filesystem under other credentials: a
/// configured context (fsopen + fsconfig; `fd_params` set with FSCONFIG_SET_FD first, e.g.
/// overlayfs's "lowerdir+", "upperdir" and "workdir" from Linux 6.13, O_PATH fds and detached
/// mounts from 6.15; an error there names its key as "(a file descriptor)" and keeps errno)...
Result<UniqueFd> fs_context(const std::string& fstype, const std::string& source,
                            const std::vector<std::pair<std::string, int>>& fd_params,
                            const std::vector<std::pair<std::string, std::string>>& params);

/// ...then FSCONFIG_CMD_CREATE and fsmount of it, a filesystem such as overlayfs keeping the
/// caller's credentials at this point as its creator's.
Result<UniqueFd> create_fs(int fs_fd, const std::string& fstype, uint64_t attrs);

/// A detached copy of the mount tree at `dirfd`/`path` (open_tree OPEN_TREE_CLONE). An empty
/// path means `dirfd` itself.
Result<UniqueFd> clone_tree(int dirfd, const std::string& path, bool recursive);

/// mount_setattr(2) on a mount fd (or the mount at a path fd): sets `attrs`.
Status set_attrs(int mount_fd, uint64_t attrs, bool recursive, const std::string& what);

/// mount_setattr(2) clearing `clr` then setting `set` (an atime mode needs MOUNT_ATTR__ATIME
/// in `clr`).
Status change_attrs(int mount_fd, uint64_t set, uint64_t clr, bool recursive,
                    const std::string& what);

/// mount_setattr(2) propagation: MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, with MS_REC
/// for the whole tree.
Status set_propagation(int mount_fd, unsigned long flags, const std::string& what);

/// move_mount(2) of a detached mount onto the object `target_fd` refers to.
Status attach(int mount_fd, int target_fd, const std::string& what);

}  // namespace vs::mount
