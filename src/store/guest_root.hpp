// Creating, marking and removing a guest root directory: a btrfs subvolume where the parent is
// btrfs (so qgroups can limit it, see disk_limits.hpp), else a plain directory.
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::store {

enum class RootKind { Directory, BtrfsSubvolume };

/// Creates the (new, empty) directory `path`, mode 0755. Fails if it exists.
Result<RootKind> create_root(const std::string& path);

/// Marks `path` as the root `build` made for guest `name` (a trusted.* xattr, which no guest
/// can set), so delete later knows the directory is the guest's to remove.
Status mark_root(const std::string& path, const std::string& name);

/// Marks a root as being built by this process (trusted.vserver-ng.building = PID) until the
/// build commits; a root still marked when its builder is gone is a killed build's.
Status mark_building(const std::string& path);
Status clear_building(const std::string& path);
/// True when `path` carries a building mark whose process no longer runs.
bool built_by_dead_process(const std::string& path);

struct RootOwner {
    bool exists = false;
    bool ours = false;    ///< marked for this guest, or (unmarked) inside the roots directory
    std::string real;     ///< the resolved path
    std::string why_not;  ///< when !ours: why it is left alone
};
/// Whether the directory a guest's vdir names is the guest's own: delete removes a root only
/// then, so a vdir pointing at /srv/www never takes /srv/www with it.
Result<RootOwner> root_owner(const std::string& path, const std::string& name,
                             const std::string& roots_dir);

/// What to do about file systems mounted below a root that is to be removed.
enum class RootMounts {
    Refuse,        ///< any mount fails with EBUSY, naming it (an admin's bind mount, fstab)
    DetachPseudo,  ///< proc, sysfs, devpts (what debootstrap or a killed build leaves) are
                   ///< detached; any other mount is refused
};
/// Applies `policy` to the mounts at or below `path`; nothing is touched when one is refused.
Status check_root_mounts(const std::string& path, RootMounts policy);

/// Removes a guest root after check_root_mounts(policy): the subvolume, or the tree through
/// fs::remove_path, which never follows a link nor enters a mount (one that appears meanwhile
/// fails the removal with EBUSY, naming it). Absent is success; a second call finishes what a
/// failed one left.
Status remove_root(const std::string& path, RootMounts policy);

}  // namespace vs::store
