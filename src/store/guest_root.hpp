// Creating and removing a guest root directory: a btrfs subvolume where the parent is btrfs
// (so qgroups can limit it, see disk_limits.hpp), else a plain directory.
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::store {

enum class RootKind { Directory, BtrfsSubvolume };

/// Creates the (new, empty) directory `path`, mode 0755. Fails if it exists.
Result<RootKind> create_root(const std::string& path);

/// Removes a guest root: first detaches anything mounted below it (a debootstrap that died
/// leaves /proc and /sys mounted there), then deletes the subvolume or the tree. Never crosses
/// into a mount it could not detach; absent is success.
Status remove_root(const std::string& path);

}  // namespace vs::store
