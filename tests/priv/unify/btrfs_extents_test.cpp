// btrfs_extents (the tree search vhashify uses on btrfs) against FIEMAP on a loop btrfs, in a
// private mount namespace: the same places for written, cloned, holed, preallocated and
// compressed files, inline data seen, and new data not yet written back left to FIEMAP.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "unify/btrfs_extents.hpp"
#include "unify/method.hpp"

namespace vs::unify {
namespace {

int make(const std::string& path, const std::vector<std::pair<off_t, size_t>>& writes,
         char fill = 'x', bool compress = false) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (compress) {
        int flags = FS_COMPR_FL;
        if (::ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0) return -1;
    }
    for (auto [off, len] : writes) {
        std::string data(len, fill);
        // Not all one byte unless compressing: a run of one byte would compress anyway.
        for (size_t i = 0; !compress && i < len; i += 7) data[i] = static_cast<char>(i * 31);
        if (::pwrite(fd, data.data(), len, off) != static_cast<ssize_t>(len)) return -1;
    }
    if (::fsync(fd) < 0) return -1;
    return fd;
}

struct statx stat_of(int fd) {
    struct statx st {};
    ::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st);
    return st;
}

// 0 when the tree search and FIEMAP agree on `fd`; else a code naming the difference.
int agree(int fd, bool compare_list = true) {
    auto b = btrfs_extents(fd, stat_of(fd), "f", 256);
    auto f = extents_of(fd, "f");
    if (!b || !*b || !f) return 1;
    if ((*b)->inline_data != f->inline_data || (*b)->placed != f->placed) return 2;
    if (compare_list && (*b)->list != f->list) return 3;
    return 0;
}

TEST(BtrfsExtents, TheTreeSearchAgreesWithFiemap) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    if (std::system("command -v mkfs.btrfs >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mkfs.btrfs";
    char tmpl[] = "/tmp/vs-btrfs-ext-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string work = tmpl, img = work + "/fs.img", mnt = work + "/mnt";
    ASSERT_EQ(mkdir(mnt.c_str(), 0755), 0);
    ASSERT_EQ(
        std::system(
            ("truncate -s 300M " + img + " && mkfs.btrfs -q " + img + " >/dev/null 2>&1").c_str()),
        0);
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) < 0 ||
            mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            _exit(90);
        if (std::system(("mount -o loop " + img + " " + mnt).c_str()) != 0) _exit(91);
        int big = make(mnt + "/big", {{0, 300 << 10}});
        int holed = make(mnt + "/holed", {{0, 64 << 10}, {1 << 20, 64 << 10}});
        int small = make(mnt + "/small", {{0, 100}});
        int packed = make(mnt + "/packed", {{0, 512 << 10}}, 'z', true);
        int copy = ::open((mnt + "/copy").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        int pre = ::open((mnt + "/pre").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (big < 0 || holed < 0 || small < 0 || packed < 0 || copy < 0 || pre < 0) _exit(92);
        if (::ioctl(copy, FICLONE, big) < 0 || ::fallocate(pre, 0, 0, 64 << 10) < 0) _exit(93);
        if (::fsync(copy) < 0 || ::fsync(pre) < 0) _exit(93);
        if (int r = agree(big)) _exit(10 + r);
        if (int r = agree(holed)) _exit(20 + r);
        if (int r = agree(small, false)) _exit(30 + r);
        if (int r = agree(packed)) _exit(40 + r);
        if (int r = agree(copy)) _exit(50 + r);
        if (int r = agree(pre)) _exit(60 + r);
        auto b = btrfs_extents(big, stat_of(big), "big", 256);
        auto c = btrfs_extents(copy, stat_of(copy), "copy", 256);
        auto s = btrfs_extents(small, stat_of(small), "small", 256);
        auto p = btrfs_extents(packed, stat_of(packed), "packed", 256);
        if (!same_extents(**b, **c) || !(*s)->inline_data || (*p)->placed) _exit(70);
        if ((*b)->list.size() != 1 || extents_of(holed, stat_of(holed), "h")->list.size() != 2)
            _exit(71);
        // New bytes in the hole of a file, not yet written back: no item for them yet, but
        // btrfs counts them in st_blocks, so the tree search leaves the file to FIEMAP.
        std::string more(64 << 10, 'm');
        if (::pwrite(holed, more.data(), more.size(), 256 << 10) != 64 << 10) _exit(80);
        auto dirty = btrfs_extents(holed, stat_of(holed), "holed", 256);
        if (!dirty || *dirty) _exit(81);
        auto via = extents_of(holed, stat_of(holed), "holed");
        if (!via || via->placed) _exit(82);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    std::filesystem::remove_all(work);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
}

}  // namespace
}  // namespace vs::unify
