// Project ids via FS_IOC_FS[GS]ETXATTR and project limits via quotactl_fd(2).
#include "store/project_quota.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/sys.hpp"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443  // x86_64 and the generic table (Linux 5.14)
#endif

namespace vs::store::project_quota {

namespace {

int quotactl_fd(int fd, unsigned cmd, int id, void* addr) {
    return static_cast<int>(::syscall(SYS_quotactl_fd, fd, cmd, id, addr));
}

// nftw has no user pointer: the walk's state lives here for the duration of one tag_tree.
thread_local uint32_t g_project = 0;
thread_local int g_errno = 0;
thread_local std::string g_failed;

Status tag_one(const char* path, bool is_dir, uint32_t project) {
    auto fd = VS_TRY(sys::open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    fsxattr cur{};
    if (::ioctl(fd.get(), FS_IOC_FSGETXATTR, &cur) < 0)
        return errno_error(fmt::format("get project of \"{}\"", path));
    fsxattr next = with_project(cur, project, is_dir);
    if (::ioctl(fd.get(), FS_IOC_FSSETXATTR, &next) < 0)
        return errno_error(fmt::format("set project {} on \"{}\"", project, path));
    return ok();
}

int visit(const char* path, const struct stat* st, int type, struct FTW*) {
    if (type != FTW_F && type != FTW_D) return 0;
    if (type == FTW_F && !S_ISREG(st->st_mode)) return 0;
    auto r = tag_one(path, type == FTW_D, g_project);
    if (!r) {
        g_errno = r.error().code;
        g_failed = r.error().message;
        return 1;
    }
    return 0;
}

}  // namespace

fsxattr with_project(const fsxattr& cur, uint32_t project, bool is_dir) {
    fsxattr x = cur;
    x.fsx_projid = project;
    if (is_dir) x.fsx_xflags |= FS_XFLAG_PROJINHERIT;
    return x;
}

if_dqblk make_dqblk(const spec::DiskLimit& lim) {
    if_dqblk q{};
    q.dqb_bhardlimit = lim.space_total_kib;  // quota blocks are QIF_DQBLKSIZE = 1024 bytes
    q.dqb_bsoftlimit = 0;
    q.dqb_ihardlimit = lim.inodes_total;
    q.dqb_isoftlimit = 0;
    q.dqb_valid = QIF_BLIMITS | QIF_ILIMITS;
    return q;
}

Status tag_tree(const std::string& dir, uint32_t project) {
    g_project = project;
    g_errno = 0;
    g_failed.clear();
    // FTW_PHYS: never follow symlinks; FTW_MOUNT: stay on the guest's file system.
    int r = ::nftw(dir.c_str(), visit, 32, FTW_PHYS | FTW_MOUNT);
    if (r < 0) return errno_error(fmt::format("walk \"{}\"", dir));
    if (r > 0) return Error(g_errno, g_failed);
    return ok();
}

Status set_limit(const std::string& dir, uint32_t project, const spec::DiskLimit& lim) {
    auto fd = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if_dqblk q = make_dqblk(lim);
    if (quotactl_fd(fd.get(), QCMD(Q_SETQUOTA, PRJQUOTA), static_cast<int>(project), &q) < 0)
        return errno_error(
            fmt::format("set project quota {} on \"{}\" (is the file system "
                        "mounted with prjquota?)",
                        project, dir));
    return ok();
}

Result<Usage> usage(const std::string& dir, uint32_t project) {
    auto fd = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if_dqblk q{};
    if (quotactl_fd(fd.get(), QCMD(Q_GETQUOTA, PRJQUOTA), static_cast<int>(project), &q) < 0)
        return errno_error(fmt::format("get project quota {} on \"{}\"", project, dir));
    Usage u;
    u.space_bytes = q.dqb_curspace;
    u.inodes = q.dqb_curinodes;
    u.space_limit_bytes = q.dqb_bhardlimit * 1024;
    u.inodes_limit = q.dqb_ihardlimit;
    return u;
}

}  // namespace vs::store::project_quota
