// Guest root checks against hostile layouts (no root needed: symlinks are anyone's).
#include "mount/root_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace vs::mount {
namespace {

namespace fs = std::filesystem;

TEST(SymlinkEscapes, LexicalResolution) {
    EXPECT_TRUE(symlink_escapes("/dev/null", "/proc/sys/kernel/core_pattern"));
    EXPECT_TRUE(symlink_escapes("/dev/null", "../../etc/passwd"));
    EXPECT_TRUE(symlink_escapes("/dev", ".."));
    EXPECT_FALSE(symlink_escapes("/dev/null", "../tmp/null"));
    EXPECT_FALSE(symlink_escapes("/dev/null", "zero"));
    EXPECT_FALSE(symlink_escapes("/dev/null", "./a/../b"));
    EXPECT_FALSE(symlink_escapes("/dev/null", ""));
}

class RootCheck : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-rootcheck-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override { fs::remove_all(root_); }
    std::string root_;
};

TEST_F(RootCheck, PlainTreeIsAccepted) {
    fs::create_directories(root_ + "/dev");
    fs::create_directories(root_ + "/proc");
    EXPECT_TRUE(check_root(root_));
    fs::remove_all(root_ + "/dev");
    fs::remove_all(root_ + "/proc");
    EXPECT_TRUE(check_root(root_)) << "missing dirs are created at start, not refused";
}

TEST_F(RootCheck, SymlinkedDevProcSysAreRefusedNamingThePath) {
    for (const char* d : {"dev", "proc", "sys"}) {
        fs::create_directory_symlink("/etc", root_ + "/" + d);
        auto r = check_root(root_);
        ASSERT_FALSE(r) << d;
        EXPECT_NE(r.error().message.find(std::string("/") + d + " is a symlink to \"/etc\""),
                  std::string::npos)
            << r.error().message;
        fs::remove(root_ + "/" + d);
    }
}

TEST_F(RootCheck, DevNullPointingOutsideIsRefused) {
    fs::create_directories(root_ + "/dev");
    fs::create_symlink("/proc/sys/kernel/core_pattern", root_ + "/dev/null");
    auto r = check_root(root_);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(
                  "/dev/null is a symlink to \"/proc/sys/kernel/core_pattern\" outside"),
              std::string::npos)
        << r.error().message;
    fs::remove(root_ + "/dev/null");
    fs::create_symlink("zero", root_ + "/dev/null");
    EXPECT_TRUE(check_root(root_)) << "a link that stays inside is harmless: /dev is a fresh tmpfs";
}

TEST_F(RootCheck, RegularFileWhereADirBelongsIsRefused) {
    {
        FILE* f = fopen((root_ + "/proc").c_str(), "w");
        fclose(f);
    }
    EXPECT_FALSE(check_root(root_));
}

TEST(RootCheckHost, HostRootAndRelativePathsAreRefused) {
    EXPECT_FALSE(check_root("/"));
    EXPECT_FALSE(check_root("relative/root"));
    EXPECT_FALSE(check_root("/nonexistent-vs-root"));
}

}  // namespace
}  // namespace vs::mount
