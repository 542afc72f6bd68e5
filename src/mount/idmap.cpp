// Idmapped guest root trees.
#include "mount/idmap.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include <cerrno>

#include "base/sys.hpp"
#include "mount/mount_api.hpp"

namespace vs::mount {

Result<std::optional<UniqueFd>> idmapped_tree(const std::string& root, pid_t userns_pid) {
    auto userns = VS_TRY(sys::open(fmt::format("/proc/{}/ns/user", userns_pid), O_RDONLY));
    auto tree = VS_TRY(clone_tree(AT_FDCWD, root, true));
    struct mount_attr a {};
    a.attr_set = MOUNT_ATTR_IDMAP;
    a.userns_fd = static_cast<uint64_t>(userns.get());
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0) {
        // EINVAL: a filesystem in the tree without FS_ALLOW_IDMAP (overlayfs, 9p, ...).
        if (errno == EINVAL || errno == EOPNOTSUPP) return std::optional<UniqueFd>{};
        return errno_error(fmt::format(
            "idmap the guest root \"{}\" through the user namespace of pid {}", root, userns_pid));
    }
    return std::optional<UniqueFd>{std::move(tree)};
}

Result<bool> can_idmap(const std::string& path, int userns_fd) {
    auto tree = VS_TRY(clone_tree(AT_FDCWD, path, false));
    struct mount_attr a {};
    a.attr_set = MOUNT_ATTR_IDMAP;
    a.userns_fd = static_cast<uint64_t>(userns_fd);
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &a, sizeof a) == 0) return true;
    if (errno == EINVAL || errno == EOPNOTSUPP) return false;
    return errno_error(fmt::format("idmap a copy of the mount of \"{}\"", path));
}

}  // namespace vs::mount
