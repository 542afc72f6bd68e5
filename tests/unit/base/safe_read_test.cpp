// base/safe_read and the terminal-safe string helpers: what a hostile or broken config file or a
// guest's process name can do to a reader and to the admin's terminal.
#include "base/safe_read.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "unit/base/temp_dir.hpp"

namespace vs::sys {
namespace {

using test::TempDir;

TEST(SafeRead, ReadsARegularFileWithinTheCap) {
    TempDir d;
    ASSERT_TRUE(write_file_atomic(d.path + "/context", "40001\n"));
    auto r = read_regular(d.path + "/context", {16});
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(*r, "40001\n");
}

TEST(SafeRead, AFifoIsRefusedWithoutBlocking) {
    TempDir d;
    std::string p = d.path + "/context";
    ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
    // Without the checks this open would wait forever for a writer.
    auto r = read_regular(p, {4096});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_NE(r.error().message.find("is a FIFO, not a regular file"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find(p), std::string::npos);
}

TEST(SafeRead, ASymlinkToDevZeroIsNeverOpened) {
    TempDir d;
    std::string p = d.path + "/context";
    ASSERT_TRUE(symlink("/dev/zero", p));
    auto r = read_regular(p, {4096});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ELOOP);
    EXPECT_NE(r.error().message.find("is a symbolic link"), std::string::npos);
    // Even where links are followed, a device is refused by its type, not read to the cap.
    auto f = read_regular(p, {4096, true});
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().message.find("is a character device"), std::string::npos)
        << f.error().message;
}

TEST(SafeRead, ASymlinkToARegularFileIsReadOnlyWhenAllowed) {
    TempDir d;
    ASSERT_TRUE(write_file_atomic(d.path + "/real", "x\n"));
    ASSERT_TRUE(symlink("real", d.path + "/link"));
    EXPECT_FALSE(read_regular(d.path + "/link", {16}));
    auto r = read_regular(d.path + "/link", {16, true});
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(*r, "x\n");
}

TEST(SafeRead, AFileOverTheCapIsRefusedWithItsSize) {
    TempDir d;
    std::string p = d.path + "/fstab";
    ASSERT_TRUE(write_file_atomic(p, std::string(5000, 'a')));
    auto r = read_regular(p, {4096});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EFBIG);
    EXPECT_NE(r.error().message.find("is too large: 5000 bytes, at most 4096"), std::string::npos)
        << r.error().message;
    EXPECT_LT(r.error().what().size(), 200u);
    // Exactly at the cap is fine.
    ASSERT_TRUE(write_file_atomic(p, std::string(4096, 'a')));
    EXPECT_TRUE(read_regular(p, {4096}));
}

TEST(SafeRead, ADirectoryIsNotAFile) {
    TempDir d;
    ASSERT_TRUE(mkdir_p(d.path + "/context"));
    auto r = read_regular(d.path + "/context", {4096});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EISDIR);
    EXPECT_NE(r.error().message.find("is a directory"), std::string::npos);
}

TEST(SafeRead, AMissingFileKeepsENOENT) {
    TempDir d;
    auto r = read_regular(d.path + "/nothing", {4096});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ENOENT);
}

TEST(EscapeControl, ControlBytesAreShownEscapedUtf8Kept) {
    EXPECT_EQ(str::escape_control("web1"), "web1");
    EXPECT_EQ(str::escape_control("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(str::escape_control("a\x1b]0;pwned\x07z"), "a\\x1b]0;pwned\\x07z");
    EXPECT_EQ(str::escape_control("a\nb\rc\td"), "a\\nb\\x0dc\\x09d");
    EXPECT_EQ(str::escape_control(std::string("a\0b", 3)), "a\\0b");
    EXPECT_EQ(str::escape_control("\x7f\xfe"), "\\x7f\\xfe");
    // C1 CSI (U+009B) in UTF-8 is an escape sequence introducer for many terminals.
    EXPECT_EQ(str::escape_control("x\xc2\x9b"
                                  "2Jy"),
              "x\\xc2\\x9b2Jy");
    // A truncated sequence at the end is not UTF-8.
    EXPECT_EQ(str::escape_control("ok\xe2\x82"), "ok\\xe2\\x82");
}

TEST(Quote, ShortValuesAreQuotedLongOnesCutWithTheirSize) {
    EXPECT_EQ(str::quote("40001"), "\"40001\"");
    EXPECT_EQ(str::quote("\x1b[2J"), "\"\\x1b[2J\"");
    std::string big(100 * 1024 * 1024, '\0');
    auto q = str::quote(big);
    EXPECT_LT(q.size(), 3 * str::kQuoteMax);
    EXPECT_NE(q.find("... (104857600 bytes)"), std::string::npos) << q.substr(0, 80);
    EXPECT_EQ(q.find('\0'), std::string::npos);
}

}  // namespace
}  // namespace vs::sys
