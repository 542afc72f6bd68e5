// btrfs ioctls used by the store: per-guest subvolumes and qgroup limits/usage.
#pragma once

#include <linux/btrfs.h>

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace vs::store::btrfs {

/// True when the file system holding `fd` is btrfs (fstatfs f_type).
Result<bool> is_btrfs(int fd);
/// True when `path` is the root of a btrfs subvolume (inode 256 on btrfs).
Result<bool> is_subvolume(const std::string& path);
/// The same for the directory open as `fd`.
Result<bool> is_subvolume(int fd);

/// Creates the subvolume `path` (its parent dir must exist and be on btrfs).
Status create_subvolume(const std::string& path);
/// Creates the subvolume `name` (one component) in the directory open as `parent_fd`: the one
/// the caller checked, whatever happens to its path meanwhile; ENOENT when that directory was
/// removed since. `path` names the new subvolume in errors.
Status create_subvolume(int parent_fd, const std::string& name, const std::string& path);
/// Snapshots the subvolume `source` as the new subvolume `path` (BTRFS_IOC_SNAP_CREATE_V2),
/// read-only when asked: a copy-on-write image of the tree at one instant.
Status snapshot_subvolume(const std::string& source, const std::string& path, bool readonly);
/// The same for the source open as `source_fd` (`source` names it in errors): the subvolume
/// checked is the one snapshotted, whatever happens to its path meanwhile.
Status snapshot_subvolume(int source_fd, const std::string& source, const std::string& path,
                          bool readonly);
/// Deletes the subvolume `path` with its contents (BTRFS_IOC_SNAP_DESTROY).
Status delete_subvolume(const std::string& path);

/// The qgroup-limit ioctl argument for the subvolume of the fd it is applied to (qgroupid 0
/// means "the subvolume of this fd"): max referenced bytes; 0 bytes clears the limit.
btrfs_ioctl_qgroup_limit_args make_qgroup_limit(uint64_t max_referenced_bytes);

/// Enables quotas on the file system of `subvol` (a no-op when on), waits for the initial
/// rescan, and limits the subvolume's referenced bytes.
Status limit_subvolume(const std::string& subvol, uint64_t max_referenced_bytes);

struct QgroupUsage {
    uint64_t referenced = 0;      ///< bytes
    uint64_t exclusive = 0;       ///< bytes
    uint64_t max_referenced = 0;  ///< 0: no limit
};
/// Reads /sys/fs/btrfs/<fsid>/qgroups/0_<subvolid>/ for the subvolume `subvol`.
Result<QgroupUsage> qgroup_usage(const std::string& subvol);

}  // namespace vs::store::btrfs
