// project_quota::tag_tree on a hostile tree (battery A16 for the quota fixup): on a loop XFS
// (project ids need no quota mount there), in a private mount namespace. Planted links, FIFOs,
// devices and a bind mount of the same file system: only the tree's own files get the id.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/sys.hpp"
#include "store/project_quota.hpp"

namespace vs::store {
namespace {

uint32_t projid(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return ~0u;
    fsxattr x{};
    int r = ::ioctl(fd, FS_IOC_FSGETXATTR, &x);
    ::close(fd);
    return r < 0 ? ~0u : x.fsx_projid;
}

TEST(TagTree, OnlyTheTreesOwnFilesAndDirsGetTheProjectId) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    if (std::system("command -v mkfs.xfs >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mkfs.xfs";
    char tmpl[] = "/tmp/vs-tag-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string work = tmpl, img = work + "/fs.img", mnt = work + "/mnt";
    ASSERT_EQ(mkdir(mnt.c_str(), 0755), 0);
    ASSERT_EQ(std::system(("truncate -s 320M " + img + " && mkfs.xfs -q " + img).c_str()), 0);
    pid_t pid = fork();
    if (pid == 0) {
        // Everything mounted here goes with this child's mount namespace.
        if (unshare(CLONE_NEWNS) < 0 ||
            mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            _exit(90);
        if (std::system(("mount -o loop " + img + " " + mnt).c_str()) != 0) _exit(91);
        const std::string root = mnt + "/root", host = mnt + "/host";
        mkdir(root.c_str(), 0755);
        mkdir(host.c_str(), 0755);
        mkdir((root + "/etc").c_str(), 0755);
        mkdir((root + "/mnt").c_str(), 0755);
        if (!sys::write_file_atomic(root + "/etc/passwd", "x\n")) _exit(92);
        if (!sys::write_file_atomic(host + "/secret", "host\n")) _exit(92);
        symlink(host.c_str(), (root + "/abs").c_str());
        symlink((host + "/secret").c_str(), (root + "/etc/abs-file").c_str());
        symlink("../../host/secret", (root + "/etc/dotdot").c_str());
        mkfifo((root + "/fifo").c_str(), 0644);
        mknod((root + "/sda").c_str(), S_IFBLK | 0600, makedev(8, 0));
        if (mount(host.c_str(), (root + "/mnt").c_str(), nullptr, MS_BIND, nullptr) < 0) _exit(93);
        // A FIFO opened by mistake would block here: the parent's test would time out.
        auto r = project_quota::tag_tree(root, 4242);
        if (!r) _exit(94);
        if (projid(root) != 4242 || projid(root + "/etc") != 4242 ||
            projid(root + "/etc/passwd") != 4242)
            _exit(95);
        if (projid(host + "/secret") != 0 || projid(host) != 0) _exit(96);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    std::filesystem::remove_all(work);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
}

}  // namespace
}  // namespace vs::store
