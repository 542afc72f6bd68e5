// The idmapped copy of a user-namespaced guest's root tree (mount_setattr MOUNT_ATTR_IDMAP).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::mount {

/// A detached, recursive copy of the tree at `root` whose ids are shifted through the user
/// namespace of process `userns_pid`: a file owned by uid N on disk shows as uid N inside that
/// namespace, so the guest's root owns the guest's files while they stay stored with the ids a
/// guest without a user namespace would use. Made on the host side (it needs CAP_SYS_ADMIN
/// over the filesystem); the guest's init attaches it as its root.
/// nullopt when the filesystem cannot be idmapped (overlayfs, 9p, ...): the caller decides.
Result<std::optional<UniqueFd>> idmapped_tree(const std::string& root, pid_t userns_pid);

/// Whether the filesystem of the directory `path` can be idmapped (FS_ALLOW_IDMAP: ext4, xfs,
/// btrfs, tmpfs from Linux 6.3, ...): tries it on a detached, non-recursive copy of that mount,
/// through the user namespace `userns_fd`, and drops the copy. False for EINVAL/EOPNOTSUPP
/// (the filesystem has no idmapped mounts), an Error for anything else.
Result<bool> can_idmap(const std::string& path, int userns_fd);

}  // namespace vs::mount
