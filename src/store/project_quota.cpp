// Project ids via FS_IOC_FS[GS]ETXATTR and project limits via quotactl_fd(2).
#include "store/project_quota.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/sys.hpp"
#include "fs/resolve.hpp"
#include "fs/walk.hpp"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443  // x86_64 and the generic table (Linux 5.14)
#endif

namespace vs::store::project_quota {

namespace {

int quotactl_fd(int fd, unsigned cmd, int id, void* addr) {
    return static_cast<int>(::syscall(SYS_quotactl_fd, fd, cmd, id, addr));
}

Status tag_fd(int fd, bool is_dir, uint32_t project, const std::string& path) {
    fsxattr cur{};
    if (::ioctl(fd, FS_IOC_FSGETXATTR, &cur) < 0)
        return errno_error(fmt::format("get project of \"{}\"", path));
    fsxattr next = with_project(cur, project, is_dir);
    if (::ioctl(fd, FS_IOC_FSSETXATTR, &next) < 0)
        return errno_error(fmt::format("set project {} on \"{}\"", project, path));
    return ok();
}

// The guest's tree is the guest's to change while this runs: files are opened only after an
// O_PATH check says they are regular (never a FIFO or a device), directories are the walk's
// own fds, and a file system mounted inside holds no files of the guest's.
class Tagger : public fs::Visitor {
public:
    Tagger(const std::string& top, uint32_t project) : top_(top), project_(project) {}
    Result<fs::Action> visit(const fs::Entry& e) override {
        if (!e.is_regular()) return fs::Action::Descend;
        auto fd = fs::open_regular(e.dirfd, e.name);
        if (!fd) {
            // Replaced by something else since the walk looked at it: not a file to tag.
            if (fd.error().code == EINVAL || fd.error().code == ENOENT || fd.error().code == ELOOP)
                return fs::Action::Descend;
            return std::move(fd).error().wrap(fmt::format("\"{}/{}\"", top_, e.path));
        }
        VS_TRY(tag_fd(fd->get(), false, project_, top_ + "/" + e.path));
        return fs::Action::Descend;
    }
    Status leave(const fs::Entry& e, int fd) override {
        return tag_fd(fd, true, project_, top_ + "/" + e.path);
    }
    Status mount_point(const fs::Entry&) override { return ok(); }

private:
    const std::string& top_;
    uint32_t project_;
};

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
    auto top = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    VS_TRY(tag_fd(top.get(), true, project, dir));
    Tagger t(dir, project);
    return fs::walk(top.get(), dir, t);
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
