// store::build_link_farm and its undo record on the host's /tmp: files linked (an immutable one
// copied), the old root's owner, mode and xattrs given back, a committed or cut-short record
// only dropped.
#include "store/link_farm.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/sys.hpp"

namespace vs::store {
namespace {

namespace sfs = std::filesystem;

struct stat st_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
}

std::string xattr(const std::string& p, const char* name) {
    char b[64];
    ssize_t n = ::lgetxattr(p.c_str(), name, b, sizeof b);
    return n < 0 ? "<none>" : std::string(b, size_t(n));
}

bool put(const std::string& p, const std::string& data) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool done = ::write(fd, data.data(), data.size()) == ssize_t(data.size());
    return ::close(fd) == 0 && done;
}

bool set_immutable(const std::string& p, bool on) {
    int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    int flags = 0;
    bool done = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    done = done && ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    ::close(fd);
    return done;
}

class LinkFarm : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root";
        char tmpl[] = "/tmp/vs-farm-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        work = tmpl;
        root = work + "/root";
        stage = work + "/stage";
        undo = work + "/.undo-g-1";
        ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
        ASSERT_EQ(::mkdir((root + "/a").c_str(), 0750), 0);
        ASSERT_TRUE(put(root + "/a/f", "data"));
        ASSERT_EQ(::chmod((root + "/a/f").c_str(), 0644), 0);
        ASSERT_EQ(::setxattr((root + "/a/f").c_str(), "user.x", "1", 1, 0), 0);
        ASSERT_EQ(::link((root + "/a/f").c_str(), (root + "/a/g").c_str()), 0);
        ASSERT_TRUE(put(root + "/imm", "frozen"));
        ASSERT_EQ(::symlink("/etc/shadow", (root + "/s").c_str()), 0);
        immutable = set_immutable(root + "/imm", true);
        ASSERT_EQ(::mkdir(stage.c_str(), 0700), 0);
    }
    void TearDown() override {
        if (work.empty()) return;
        set_immutable(root + "/imm", false);
        set_immutable(stage + "/imm", false);
        std::error_code ec;
        sfs::remove_all(work, ec);
    }
    std::string work, root, stage, undo;
    bool immutable = false;
};

TEST_F(LinkFarm, FailedRefreshGetsTheOldRootsMetadataBack) {
    auto st = build_link_farm(root, stage, undo);
    ASSERT_TRUE(st) << st.error().what();
    EXPECT_EQ(st->dirs, 1u);
    EXPECT_EQ(st->linked, immutable ? 2u : 3u);
    EXPECT_EQ(st->copied, immutable ? 1u : 0u);
    EXPECT_EQ(st_of(stage + "/a/f").st_ino, st_of(root + "/a/f").st_ino);
    EXPECT_EQ(st_of(stage + "/a/g").st_ino, st_of(root + "/a/f").st_ino);
    EXPECT_EQ(*sys::read_file(stage + "/imm"), "frozen");
    if (immutable) {
        EXPECT_NE(st_of(stage + "/imm").st_ino, st_of(root + "/imm").st_ino);
    }
    EXPECT_FALSE(sys::exists(stage + "/s"));  // symlinks are rsync's to make
    EXPECT_EQ(st_of(stage + "/a").st_mode & 07777, 0700u);
    // What rsync does in place to a linked file whose contents did not change.
    const std::string f = stage + "/a/f";
    ASSERT_EQ(::chown(f.c_str(), 7, 7), 0);
    ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
    ASSERT_EQ(::setxattr(f.c_str(), "user.x", "2", 1, 0), 0);
    ASSERT_EQ(::setxattr(f.c_str(), "user.y", "new", 3, 0), 0);
    auto a = apply_refresh_undo(undo);
    ASSERT_TRUE(a) << a.error().what();
    auto old = st_of(root + "/a/f");
    EXPECT_EQ(old.st_mode & 07777, 0644u);
    EXPECT_EQ(old.st_uid, 0u);
    EXPECT_EQ(old.st_gid, 0u);
    EXPECT_EQ(xattr(root + "/a/f", "user.x"), "1");
    EXPECT_EQ(xattr(root + "/a/f", "user.y"), "<none>");
    EXPECT_FALSE(sys::exists(undo));
}

TEST_F(LinkFarm, CommittedOrCutShortRecordIsOnlyDropped) {
    ASSERT_TRUE(build_link_farm(root, stage, undo));
    // Committed: the stage is the root now (exchanged); its metadata stays as rsync set it.
    ASSERT_EQ(::renameat2(AT_FDCWD, stage.c_str(), AT_FDCWD, root.c_str(), RENAME_EXCHANGE), 0);
    ASSERT_EQ(::chmod((root + "/a/f").c_str(), 0600), 0);
    ASSERT_TRUE(apply_refresh_undo(undo));
    EXPECT_EQ(st_of(root + "/a/f").st_mode & 07777, 0600u);
    EXPECT_FALSE(sys::exists(undo));
    // A record whose writer died before its end: no rsync ran, nothing to give back.
    ASSERT_TRUE(put(undo, std::string("VSUNDO1\n") + std::string(12, '\0')));
    ASSERT_TRUE(apply_refresh_undo(undo));
    EXPECT_FALSE(sys::exists(undo));
    EXPECT_TRUE(apply_refresh_undo(undo));  // none at all
}

TEST(LinkFarmNames, DeadRecordsAreTheGuestsOnly) {
    EXPECT_FALSE(is_dead_refresh_undo(".undo-web-1", "web"));  // PID 1 runs
    EXPECT_FALSE(is_dead_refresh_undo(".undo-webx-99999999", "web"));
    EXPECT_FALSE(is_dead_refresh_undo(".build-web-99999999", "web"));
    EXPECT_EQ(refresh_undo_path("/r", "web", 42), "/r/.undo-web-42");
}

}  // namespace
}  // namespace vs::store
