// store: the arguments of the quota ioctls and quotactl, built without touching a file system
// (this kernel has no ext4/XFS quota support; the qemu VM runs them for real).
#include <gtest/gtest.h>

#include "store/btrfs.hpp"
#include "store/disk_limits.hpp"
#include "store/project_quota.hpp"

namespace pq = vs::store::project_quota;

namespace {

TEST(ProjectQuota, DqblkCarriesHardLimitsInKibBlocksAndInodes) {
    vs::spec::DiskLimit lim;
    lim.id = "root";
    lim.space_total_kib = 1048576;  // 1 GiB in util-vserver's 1 KiB units
    lim.inodes_total = 50000;
    lim.reserved_pct = 5;
    if_dqblk q = pq::make_dqblk(lim);
    EXPECT_EQ(q.dqb_bhardlimit, 1048576u);  // quotactl blocks are QIF_DQBLKSIZE (1024) bytes
    EXPECT_EQ(q.dqb_ihardlimit, 50000u);
    EXPECT_EQ(q.dqb_bsoftlimit, 0u);
    EXPECT_EQ(q.dqb_isoftlimit, 0u);
    EXPECT_EQ(q.dqb_valid, static_cast<uint32_t>(QIF_BLIMITS | QIF_ILIMITS));
    EXPECT_EQ(QIF_DQBLKSIZE, 1024);
}

TEST(ProjectQuota, ZeroMeansNoLimit) {
    vs::spec::DiskLimit lim;
    if_dqblk q = pq::make_dqblk(lim);
    EXPECT_EQ(q.dqb_bhardlimit, 0u);
    EXPECT_EQ(q.dqb_ihardlimit, 0u);
}

TEST(ProjectQuota, FsxattrSetsProjectAndInheritOnDirsOnly) {
    fsxattr cur{};
    cur.fsx_xflags = FS_XFLAG_NOATIME;
    cur.fsx_projid = 7;
    cur.fsx_extsize = 4096;
    fsxattr d = pq::with_project(cur, 40001, true);
    EXPECT_EQ(d.fsx_projid, 40001u);
    EXPECT_EQ(d.fsx_xflags, static_cast<uint32_t>(FS_XFLAG_NOATIME | FS_XFLAG_PROJINHERIT));
    EXPECT_EQ(d.fsx_extsize, 4096u);  // everything else kept as read
    fsxattr f = pq::with_project(cur, 40001, false);
    EXPECT_EQ(f.fsx_projid, 40001u);
    EXPECT_EQ(f.fsx_xflags, static_cast<uint32_t>(FS_XFLAG_NOATIME));
}

TEST(Btrfs, QgroupLimitTargetsTheFdsSubvolumeInBytes) {
    auto a = vs::store::btrfs::make_qgroup_limit(64ull << 20);
    EXPECT_EQ(a.qgroupid, 0u);  // 0: the subvolume of the fd the ioctl is issued on
    EXPECT_EQ(a.lim.flags, BTRFS_QGROUP_LIMIT_MAX_RFER);
    EXPECT_EQ(a.lim.max_rfer, 64ull << 20);
    EXPECT_EQ(a.lim.max_excl, 0u);
    EXPECT_EQ(vs::store::btrfs::make_qgroup_limit(0).lim.max_rfer, UINT64_MAX);  // "none"
}

TEST(DiskLimits, DirectoryDefaultsToTheGuestRoot) {
    vs::spec::GuestSpec s;
    s.root = "/var/lib/vservers/g";
    vs::spec::DiskLimit lim;
    EXPECT_EQ(vs::store::limit_directory(s, lim), "/var/lib/vservers/g");
    lim.directory = "/srv/g";
    EXPECT_EQ(vs::store::limit_directory(s, lim), "/srv/g");
}

TEST(DiskLimits, TmpfsHasNoBackendAndSaysWhy) {
    auto r = vs::store::quota_backend("/dev/shm");
    if (r) GTEST_SKIP() << "/dev/shm is not tmpfs here";
    EXPECT_NE(r.error().message.find("/dev/shm"), std::string::npos);
    EXPECT_NE(r.error().message.find("no per-guest quota"), std::string::npos);
}

}  // namespace
