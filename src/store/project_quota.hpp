// ext4/XFS project quotas for a guest tree: project id = the guest's context. The ioctl and
// quotactl arguments are built by pure functions so they are unit-tested without quota support.
#pragma once

#include <linux/fs.h>
#include <linux/quota.h>

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::store::project_quota {

/// FS_IOC_FSSETXATTR argument: `cur` with the project id set and, for directories,
/// FS_XFLAG_PROJINHERIT so new files inherit the id (ioctl_xfs_fsgetxattr(2)).
fsxattr with_project(const fsxattr& cur, uint32_t project, bool is_dir);

/// Q_SETQUOTA argument (quotactl(2)): block hard limit in 1 KiB quota blocks (QIF_DQBLKSIZE, the
/// unit of util-vserver's space_total) and the inode hard limit; 0 means "no limit". Soft limits
/// stay 0: util-vserver's `reserved` (a share kept for root) has no project-quota equivalent.
if_dqblk make_dqblk(const spec::DiskLimit& lim);

/// Sets the project id (and PROJINHERIT on directories) on every directory and regular file of
/// the tree at `dir`, through fs::walk: no symlink followed (not even one swapped in for a
/// directory meanwhile), no mount entered (a bind of the same file system included), and
/// special files skipped: opening a device node to ioctl it would call its driver.
Status tag_tree(const std::string& dir, uint32_t project);

/// Q_SETQUOTA for PRJQUOTA through quotactl_fd(2) on `dir`'s file system.
Status set_limit(const std::string& dir, uint32_t project, const spec::DiskLimit& lim);

struct Usage {
    uint64_t space_bytes = 0, inodes = 0, space_limit_bytes = 0, inodes_limit = 0;
};
/// Q_GETQUOTA for PRJQUOTA.
Result<Usage> usage(const std::string& dir, uint32_t project);

}  // namespace vs::store::project_quota
