// Per-guest disk limits (dlimits/<id>/{directory,space_total,inodes_total}): btrfs qgroups on
// the guest's subvolume, or ext4/XFS project quotas with project id = context. The runtime calls
// apply_disk_limits at start (before the guest runs); vserver-stat and vdu call disk_usage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::store {

enum class QuotaBackend {
    BtrfsQgroup,   ///< limit on the subvolume's referenced bytes; no inode limit on btrfs
    ProjectQuota,  ///< ext4 (-O project,quota) / XFS (prjquota): space and inodes
};
const char* backend_name(QuotaBackend b);

/// The backend serving `directory`, from its file system type; an error names the directory
/// and says what is missing (not a btrfs subvolume, unsupported file system).
Result<QuotaBackend> quota_backend(const std::string& directory);

/// dlimits/<id>/directory, or the guest root when it is empty.
std::string limit_directory(const spec::GuestSpec& spec, const spec::DiskLimit& lim);

/// Applies every entry of spec.dlimits. btrfs: enables quotas on the file system if needed and
/// sets the qgroup limit of the subvolume (inodes_total cannot be enforced there and is reported
/// once as a warning). ext4/XFS: tags the tree with project id = context and sets the project
/// quota (needs spec.context). Idempotent: a second call changes nothing.
Status apply_disk_limits(const spec::GuestSpec& spec);

struct DiskUsage {
    std::string id;
    std::string directory;
    QuotaBackend backend = QuotaBackend::BtrfsQgroup;
    uint64_t space_used_bytes = 0;
    uint64_t space_limit_bytes = 0;  ///< 0: none
    uint64_t inodes_used = 0;        ///< 0 on btrfs (not counted there)
    uint64_t inodes_limit = 0;       ///< 0: none
    bool inodes_counted = false;
};

/// Current usage and limits for every entry of spec.dlimits, as the file system counts them.
Result<std::vector<DiskUsage>> disk_usage(const spec::GuestSpec& spec);

}  // namespace vs::store
