// fs::walk, fs::remove_at and fs::open_regular against hostile trees: symlinks out of the tree,
// FIFOs, devices, sockets, hardlinks to outside files, a bind mount inside, a directory swapped
// for a symlink during the walk, a tree deeper than the fd limit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>

#include "base/sys.hpp"
#include "fs/mounts.hpp"
#include "fs/remove.hpp"
#include "fs/resolve.hpp"
#include "fs/walk.hpp"

namespace vs::fs {
namespace {

namespace stdfs = std::filesystem;

class GuestTreeTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root (mknod, mount)";
        char tmpl[] = "/tmp/vs-fs-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        tree_ = base_ + "/tree";
        host_ = base_ + "/host";
        ASSERT_EQ(mkdir(tree_.c_str(), 0755), 0);
        ASSERT_EQ(mkdir(host_.c_str(), 0755), 0);
        ASSERT_TRUE(sys::write_file_atomic(host_ + "/secret", "host data\n"));
    }
    void TearDown() override {
        if (!base_.empty()) {
            std::error_code ec;
            stdfs::remove_all(base_, ec);
        }
    }

    // The planted entries of battery A16, all inside tree_.
    void plant_hostile() {
        auto t = [&](const std::string& p) { return tree_ + "/" + p; };
        ASSERT_EQ(mkdir(t("etc").c_str(), 0755), 0);
        ASSERT_TRUE(sys::write_file_atomic(t("etc/passwd"), "root:x:0:0::/root:/bin/sh\n"));
        ASSERT_EQ(symlink(host_.c_str(), t("abs").c_str()), 0);
        ASSERT_EQ(symlink((host_ + "/secret").c_str(), t("etc/abs-file").c_str()), 0);
        ASSERT_EQ(symlink("../../host", t("etc/dotdot").c_str()), 0);
        ASSERT_EQ(symlink("/nonexistent/x", t("dangling").c_str()), 0);
        ASSERT_EQ(symlink("loop2", t("loop1").c_str()), 0);
        ASSERT_EQ(symlink("loop1", t("loop2").c_str()), 0);
        ASSERT_EQ(mkfifo(t("fifo").c_str(), 0644), 0);
        ASSERT_EQ(mknod(t("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
        ASSERT_EQ(mknod(t("sda").c_str(), S_IFBLK | 0600, makedev(8, 0)), 0);
        ASSERT_EQ(link((host_ + "/secret").c_str(), t("hardlink").c_str()), 0);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        ASSERT_GE(s, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", t("sock").c_str());
        ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        close(s);
    }

    void expect_host_intact() {
        auto s = sys::read_file(host_ + "/secret");
        ASSERT_TRUE(s) << s.error().what();
        EXPECT_EQ(*s, "host data\n");
    }

    std::string base_, tree_, host_;
};

// Records what a walk visits.
class Recorder : public Visitor {
public:
    Result<Action> visit(const Entry& e) override {
        seen.insert(e.path);
        return Action::Descend;
    }
    Status mount_point(const Entry& e) override {
        mounts.insert(e.path);
        return ok();
    }
    std::set<std::string> seen, mounts;
};

UniqueFd open_dir(const std::string& p) {
    return UniqueFd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

TEST_F(GuestTreeTest, WalkSeesEveryPlantedEntryAndFollowsNoLink) {
    plant_hostile();
    Recorder r;
    auto fd = open_dir(tree_);
    ASSERT_TRUE(walk(fd.get(), tree_, r));
    std::set<std::string> want = {"etc",      "etc/passwd", "etc/abs-file", "etc/dotdot", "abs",
                                  "dangling", "loop1",      "loop2",        "fifo",       "null",
                                  "sda",      "hardlink",   "sock"};
    EXPECT_EQ(r.seen, want);  // nothing of host_ ("abs/secret", "etc/dotdot/secret")
    EXPECT_TRUE(r.mounts.empty());
}

TEST_F(GuestTreeTest, RemoveTakesTheTreeAndLeavesEverythingOutside) {
    plant_hostile();
    auto base = open_dir(base_);
    // The fifo and the devices are never opened: a fifo open would block here forever.
    ASSERT_TRUE(remove_at(base.get(), "tree", tree_));
    EXPECT_FALSE(sys::exists(tree_));
    expect_host_intact();
    struct stat st {};
    ASSERT_EQ(stat((host_ + "/secret").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1u);  // the hardlink went, the host file stayed
    EXPECT_TRUE(sys::exists("/dev/null"));
}

TEST_F(GuestTreeTest, RemoveOfAMissingEntryIsSuccessAndOfASymlinkTakesTheLinkOnly) {
    auto base = open_dir(base_);
    EXPECT_TRUE(remove_at(base.get(), "absent", base_ + "/absent"));
    ASSERT_EQ(symlink(host_.c_str(), (base_ + "/link").c_str()), 0);
    ASSERT_TRUE(remove_path(base_ + "/link"));
    EXPECT_FALSE(sys::exists(base_ + "/link"));
    expect_host_intact();
}

// In a child with its own mount namespace, so the bind mount never shows on the host.
int in_mount_ns(const std::function<int()>& fn) {
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) < 0) _exit(90);
        if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) _exit(91);
        _exit(fn());
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

TEST_F(GuestTreeTest, ABindMountOfTheSameFileSystemInsideIsNeverEntered) {
    plant_hostile();
    ASSERT_EQ(mkdir((tree_ + "/mnt").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((tree_ + "/mnt/data").c_str(), 0755), 0);
    std::string tree = tree_, host = host_, base = base_;
    int rc = in_mount_ns([&] {
        // Same file system, same st_dev: only the mount id tells it apart.
        if (mount(host.c_str(), (tree + "/mnt/data").c_str(), nullptr, MS_BIND, nullptr) < 0)
            return 92;
        Recorder r;
        auto fd = open_dir(tree);
        if (!walk(fd.get(), tree, r)) return 93;
        if (r.mounts != std::set<std::string>{"mnt/data"}) return 94;
        if (r.seen.count("mnt/data/secret")) return 95;
        auto bfd = open_dir(base);
        auto rm = remove_at(bfd.get(), "tree", tree);
        if (rm || rm.error().code != EBUSY) return 96;
        // The error names the mount and where it comes from.
        if (rm.error().message.find(tree + "/mnt/data") == std::string::npos) return 97;
        if (!sys::exists(host + "/secret")) return 98;
        if (sys::exists(tree + "/etc") || !sys::exists(tree + "/mnt/data")) return 99;
        // Once it is unmounted, a second removal finishes the job.
        if (umount2((tree + "/mnt/data").c_str(), MNT_DETACH) < 0) return 100;
        if (!remove_at(bfd.get(), "tree", tree)) return 101;
        return sys::exists(tree) ? 102 : 0;
    });
    EXPECT_EQ(rc, 0);
    expect_host_intact();
}

TEST_F(GuestTreeTest, TheTopBeingAMountPointIsRefused) {
    std::string tree = tree_, host = host_, base = base_;
    int rc = in_mount_ns([&] {
        if (mount(host.c_str(), tree.c_str(), nullptr, MS_BIND, nullptr) < 0) return 92;
        auto bfd = open_dir(base);
        auto rm = remove_at(bfd.get(), "tree", tree);
        if (rm || rm.error().code != EBUSY) return 93;
        return sys::exists(host + "/secret") ? 0 : 94;
    });
    EXPECT_EQ(rc, 0);
}

// Swaps "a" (a directory) for a symlink to the host the moment the walk has examined it, as a
// racing guest would between the walk's statx and its open.
class Swapper : public Recorder {
public:
    explicit Swapper(std::string target) : target_(std::move(target)) {}
    Result<Action> visit(const Entry& e) override {
        if (e.path == "a" && e.is_dir() && !swapped) {
            swapped = true;
            if (renameat(e.dirfd, "a", e.dirfd, "a-moved") < 0 ||
                symlinkat(target_.c_str(), e.dirfd, "a") < 0)
                return make_error(errno, "swap");
        }
        return Recorder::visit(e);
    }
    bool swapped = false;

private:
    std::string target_;
};

TEST_F(GuestTreeTest, ADirectorySwappedForASymlinkDuringTheWalkIsNotFollowed) {
    ASSERT_EQ(mkdir((tree_ + "/a").c_str(), 0755), 0);
    ASSERT_TRUE(sys::write_file_atomic(tree_ + "/a/inside", "x"));
    Swapper s(host_);
    auto fd = open_dir(tree_);
    ASSERT_TRUE(walk(fd.get(), tree_, s));
    EXPECT_TRUE(s.swapped);
    // The name is looked at again and found to be a symlink, which is not entered.
    EXPECT_FALSE(s.seen.count("a/secret"));
    EXPECT_FALSE(s.seen.count("a/inside"));
    EXPECT_TRUE(s.seen.count("a"));
}

TEST_F(GuestTreeTest, ATreeDeeperThanTheFdLimitIsRemovedWithoutRecursion) {
    // 1500 levels with RLIMIT_NOFILE at 256: an fd per level would run out; *at calls only.
    int fd = ::open(tree_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; i < 1500; ++i) {
        ASSERT_EQ(mkdirat(fd, "d", 0755), 0);
        int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(next, 0);
        if (i % 100 == 0) close(openat(fd, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        close(fd);
        fd = next;
    }
    close(fd);
    struct rlimit old {};
    getrlimit(RLIMIT_NOFILE, &old);
    struct rlimit low = old;
    low.rlim_cur = 256;
    setrlimit(RLIMIT_NOFILE, &low);
    auto base = open_dir(base_);
    Recorder limited;
    WalkOptions opt;
    opt.max_depth = 100;
    auto tfd = open_dir(tree_);
    auto lim = walk(tfd.get(), tree_, limited, opt);
    auto r = remove_at(base.get(), "tree", tree_);
    setrlimit(RLIMIT_NOFILE, &old);
    ASSERT_FALSE(lim);
    EXPECT_EQ(lim.error().code, ELOOP);
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_FALSE(sys::exists(tree_));
}

TEST_F(GuestTreeTest, OpenRegularRefusesFifosDevicesAndLinksWithoutBlocking) {
    plant_hostile();
    auto fd = open_dir(tree_);
    auto f = open_regular(fd.get(), "fifo");  // an open(2) of it would block: no writer
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code, EINVAL);
    EXPECT_FALSE(open_regular(fd.get(), "null"));
    EXPECT_FALSE(open_regular(fd.get(), "sda"));
    EXPECT_FALSE(open_regular(fd.get(), "sock"));
    auto l = open_regular(fd.get(), "abs");  // the link itself, not a regular file
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, EINVAL);
    auto etc = open_dir(tree_ + "/etc");
    EXPECT_FALSE(open_regular(etc.get(), "abs-file"));
    auto ok_file = open_regular(etc.get(), "passwd");
    ASSERT_TRUE(ok_file) << ok_file.error().what();
    auto text = sys::read_all(ok_file->get(), "passwd");
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "root:x:0:0::/root:/bin/sh\n");
}

// template_extract's writeback hint opens the files it extracts from inside a chroot, where
// /proc/self/fd is not: through the directory it opened before the chroot.
TEST_F(GuestTreeTest, OpenRegularInAChrootThroughSelfFdsOpenedBefore) {
    plant_hostile();
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        auto bit = [](bool b, int n) { return b ? 0 : 1 << n; };
        int self = ::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (self < 0 || chdir(tree_.c_str()) < 0 || chroot(".") < 0) _exit(100);
        auto f = open_regular(AT_FDCWD, "etc/passwd", O_RDONLY, self);
        auto text = f ? sys::read_all(f->get(), "passwd") : Result<std::string>(f.error());
        int code = bit(text && *text == "root:x:0:0::/root:/bin/sh\n", 0);
        auto fifo = open_regular(AT_FDCWD, "fifo", O_RDONLY, self);  // would block if opened
        code |= bit(!fifo && fifo.error().code == EINVAL, 1);
        code |= bit(!open_regular(AT_FDCWD, "null", O_RDONLY, self), 2);
        code |= bit(!open_regular(AT_FDCWD, "etc/abs-file", O_RDONLY, self), 3);
        code |= bit(!open_regular(AT_FDCWD, "etc/passwd", O_RDONLY), 4);  // no /proc in here
        _exit(code);
    }
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0) << "failed checks (bits): " << WEXITSTATUS(st);
}

TEST_F(GuestTreeTest, OpenInRootKeepsAbsoluteAndDotDotLinksInside) {
    plant_hostile();
    ASSERT_EQ(mkdir((tree_ + "/host").c_str(), 0755), 0);
    ASSERT_TRUE(sys::write_file_atomic(tree_ + "/host/secret", "guest's own\n"));
    auto root = open_dir(tree_);
    // "abs" -> host_ (absolute): resolved inside the tree, where host_ does not exist.
    auto a = open_in_root(root.get(), "abs/secret", O_RDONLY);
    EXPECT_FALSE(a);
    // "etc/dotdot" -> ../../host: ".." stops at the root, so it is the guest's /host.
    auto d = open_in_root(root.get(), "etc/dotdot/secret", O_RDONLY);
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_EQ(*sys::read_all(d->get(), "secret"), "guest's own\n");
    Resolve nofollow;
    nofollow.nofollow_last = true;
    EXPECT_FALSE(open_in_root(root.get(), "etc/abs-file", O_RDONLY, 0, nofollow));
    auto loop = open_in_root(root.get(), "loop1", O_RDONLY);
    ASSERT_FALSE(loop);
    EXPECT_EQ(loop.error().code, ELOOP);
}

TEST_F(GuestTreeTest, MountsBelowListsDeepestFirst) {
    std::string tree = tree_, host = host_;
    ASSERT_EQ(mkdir((tree_ + "/a").c_str(), 0755), 0);
    int rc = in_mount_ns([&] {
        if (mount("proc", (tree + "/a").c_str(), "proc", 0, nullptr) < 0) return 92;
        if (mount(host.c_str(), tree.c_str(), nullptr, MS_BIND, nullptr) < 0) return 93;
        auto m = mounts_below(tree);
        if (!m || m->size() != 2) return 94;
        if ((*m)[0].mount_point != tree + "/a" || (*m)[0].fstype != "proc") return 95;
        if (!is_pseudo_fs((*m)[0]) || is_pseudo_fs((*m)[1])) return 96;
        return (*m)[1].root == "/" ? 97 : 0;  // a bind: the source path shows as its root
    });
    EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace vs::fs
