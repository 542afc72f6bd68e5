// Console log: what a guest writes is made safe to print, split sequences included, and the
// file rotates at its limit so a guest's log never passes twice that.
#include "runtime/console_log.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vs::runtime::console {
namespace {

TEST(ConsoleSanitizer, ControlsBecomeVisibleTextStays) {
    Sanitizer s;
    EXPECT_EQ(s.feed("plain text\n\ttab"), "plain text\n\ttab");
    EXPECT_EQ(s.feed("a\r\n"), "a\n");
    EXPECT_EQ(s.feed("\x1b]0;owned\x07"), "^[]0;owned^G");
    EXPECT_EQ(s.feed(std::string("nul\0x", 5)), "nul^@x");
    EXPECT_EQ(s.feed("\x7f"), "^?");
    EXPECT_EQ(s.feed("\x9b"
                     "2J"),
              "\\x9b2J");
    EXPECT_EQ(s.feed("\xc2\x9b"
                     "2J"),
              "\\xc2\\x9b2J");
    EXPECT_EQ(s.feed("caf\xc3\xa9 \xc2\xa0"), "caf\xc3\xa9 \xc2\xa0");  // UTF-8 passes
}

TEST(ConsoleSanitizer, SequenceSplitAcrossReads) {
    Sanitizer s;
    EXPECT_EQ(s.feed("x\xc2"), "x");
    EXPECT_EQ(s.feed("\x9b"), "\\xc2\\x9b");
    EXPECT_EQ(s.feed("\xc2"), "");
    EXPECT_EQ(s.feed("\xa9"), "\xc2\xa9");
}

TEST(ConsoleLog, RotatesAtItsLimit) {
    char tmpl[] = "/tmp/vs-unit-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string dir = std::string(tmpl) + "/g1";
    auto log = RotatingLog::open(dir, 100);
    ASSERT_TRUE(log) << log.error().what();
    ASSERT_TRUE(log->write(std::string(250, 'a')));
    EXPECT_EQ(std::filesystem::file_size(dir + "/console.log"), 50u);
    EXPECT_EQ(std::filesystem::file_size(dir + "/console.log.1"), 100u);
    EXPECT_EQ(std::filesystem::status(dir).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    // Reopened, it goes on from the size on disk.
    auto again = RotatingLog::open(dir, 100);
    ASSERT_TRUE(again);
    ASSERT_TRUE(again->write(std::string(60, 'b')));
    EXPECT_EQ(std::filesystem::file_size(dir + "/console.log"), 10u);
    // A planted symlink is refused, not followed.
    std::filesystem::remove(dir + "/console.log");
    std::filesystem::create_symlink("/etc/passwd", dir + "/console.log");
    EXPECT_FALSE(RotatingLog::open(dir, 100));
    std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace vs::runtime::console
