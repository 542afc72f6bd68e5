// config::vserver::load on broken or hostile trees: FIFOs, devices, huge files, files where
// directories belong and the reverse, symlinks where the tree has none, control bytes in values.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <string_view>

#include "config/vserver/context_alloc.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/tree.hpp"
#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

class TreeHostile : public TreeTest {
protected:
    void SetUp() override {
        TreeTest::SetUp();
        put("g1", "uts/nodename", "g1\n");
    }
    Error load_error() {
        auto r = load(paths_, "g1");
        EXPECT_FALSE(r);
        return r ? Error{} : r.error();
    }
    // The load fails with errno CODE and a message containing TEXT; returned for more checks.
    Error expect_load_error(int code, std::string_view text) {
        auto e = load_error();
        EXPECT_EQ(e.code, code);
        EXPECT_NE(e.message.find(text), std::string::npos) << e.message;
        return e;
    }
};

TEST_F(TreeHostile, AFifoContextIsAnErrorNotAHang) {
    ASSERT_EQ(::mkfifo((dir("g1") + "/context").c_str(), 0600), 0);
    auto e = load_error();
    EXPECT_NE(e.message.find("/context\" is a FIFO, not a regular file"), std::string::npos)
        << e.message;
}

TEST_F(TreeHostile, AContextLinkedToDevZeroIsOneShortError) {
    link("g1", "context", "/dev/zero");
    auto e = expect_load_error(ELOOP, "/context\" is a symbolic link, not followed");
    EXPECT_LT(e.what().size(), 300u);
}

TEST_F(TreeHostile, AHugeScalarIsRefusedBeforeParsing) {
    put("g1", "context", std::string(kScalarCap + 1, '7'));
    auto e = expect_load_error(EFBIG, "at most 4096");
    EXPECT_LT(e.what().size(), 300u);
}

TEST_F(TreeHostile, AFstabMayBeLargerThanAScalar) {
    std::string fstab;
    while (fstab.size() < 2 * kScalarCap) fstab += "none /tmp tmpfs size=16m 0 0\n";
    put("g1", "fstab", fstab);
    auto r = load(paths_, "g1");
    EXPECT_TRUE(r) << r.error().what();
}

TEST_F(TreeHostile, ADirectoryWhereAFileBelongsIsAnError) {
    ASSERT_TRUE(sys::mkdir_p(dir("g1") + "/context"));
    expect_load_error(EISDIR, "/context\" is a directory, expected a scalar file");
}

TEST_F(TreeHostile, AFileWhereADirectoryBelongsIsAnError) {
    put("g1", "interfaces/0", "192.0.2.1\n");
    expect_load_error(ENOTDIR, "/interfaces/0\" is not a directory");
    (void)fs::remove_path(dir("g1") + "/interfaces");
    put("g1", "limits", "");
    EXPECT_EQ(load_error().code, ENOTDIR);
}

TEST_F(TreeHostile, ASymlinkedDirectoryOfKeysIsNotFollowed) {
    ASSERT_TRUE(sys::mkdir_p(prefix_ + "/elsewhere/0"));
    link("g1", "interfaces", prefix_ + "/elsewhere");
    expect_load_error(ELOOP, "/interfaces\" is a symbolic link, expected a directory");
}

TEST_F(TreeHostile, LinksStayAllowedForVdirCacheRunAndScripts) {
    link("g1", "vdir", "/srv/guests/g1");
    link("g1", "run", "/run/vservers/g1");  // dangling while stopped, as util-vserver has it
    put("shared", "scripts/pre-start", "#!/bin/sh\n");
    link("g1", "scripts/pre-start", dir("shared") + "/scripts/pre-start");
    auto r = load(paths_, "g1");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->spec.root, "/srv/guests/g1");
}

TEST_F(TreeHostile, AFifoScriptIsRefused) {
    ASSERT_TRUE(sys::mkdir_p(dir("g1") + "/scripts"));
    ASSERT_EQ(::mkfifo((dir("g1") + "/scripts/pre-start").c_str(), 0700), 0);
    auto e = load_error();
    EXPECT_NE(e.message.find("is a FIFO, expected a script"), std::string::npos) << e.message;
}

TEST_F(TreeHostile, AnUnknownFifoIsReportedNeverOpened) {
    ASSERT_EQ(::mkfifo((dir("g1") + "/some-fifo").c_str(), 0600), 0);
    auto r = load(paths_, "g1");
    ASSERT_TRUE(r) << r.error().what();
    ASSERT_EQ(r->unknown.size(), 1u);
    EXPECT_EQ(r->unknown[0], "some-fifo");
}

TEST_F(TreeHostile, ControlBytesInAValueAreEscapedInTheError) {
    put("g1", "context", "\x1b]0;owned\x07\x1b[2J\n");
    auto e = load_error();
    EXPECT_EQ(e.message.find('\x1b'), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find('\x07'), std::string::npos);
    EXPECT_NE(e.message.find("\"\\x1b]0;owned\\x07\\x1b[2J\""), std::string::npos) << e.message;
}

TEST_F(TreeHostile, ALongValueIsCutInTheError) {
    put("g1", "context", std::string(4000, 'x') + "\n");
    auto e = load_error();
    EXPECT_LT(e.what().size(), 400u) << e.what().size();
    EXPECT_NE(e.message.find("(4000 bytes)"), std::string::npos) << e.message.substr(0, 300);
}

TEST_F(TreeHostile, ContextAllocationSkipsAFifoContextWithoutHanging) {
    put("g2", "context", "40000\n");
    ASSERT_EQ(::mkfifo((dir("g1") + "/context").c_str(), 0600), 0);
    auto used = contexts_in_use(paths_);
    ASSERT_EQ(used.size(), 1u);
    EXPECT_EQ(used[0], 40000u);
    auto c = allocate_context(paths_);
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_EQ(*c, 40001u);
}

TEST_F(TreeHostile, AFifoContextNextIsAnError) {
    ASSERT_TRUE(sys::mkdir_p(paths_.config_dir + "/.defaults"));
    ASSERT_EQ(::mkfifo((paths_.config_dir + "/.defaults/context.next").c_str(), 0600), 0);
    auto c = allocate_context(paths_);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("is a FIFO"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace vs::config::vserver::test
