// transfer/change_list: what a migration's final pass is given, from inode change times.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "transfer/change_list.hpp"

namespace {

namespace fsys = std::filesystem;

std::set<std::string> entries(const vs::transfer::ChangeList& l) {
    std::set<std::string> out;
    size_t at = 0;
    while (at < l.entries.size()) {
        auto end = l.entries.find('\0', at);
        out.insert(l.entries.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

// An epoch `s` seconds after now (before, when negative), both clocks moved alike: ctime
// follows the wall clock and cannot be set, so the epoch is moved instead of the tree's times.
vs::transfer::ChangeEpoch later_by(int64_t s) {
    auto e = vs::transfer::ChangeEpoch::now();
    e.realtime_ns += s * 1'000'000'000;
    e.monotonic_ns += s * 1'000'000'000;
    return e;
}

class ChangeListTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-unit-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        fsys::create_directories(dir + "/r/etc/deep/er");
        fsys::create_directories(dir + "/r/var/log");
        std::ofstream(dir + "/r/etc/deep/er/f") << "x";
        std::ofstream(dir + "/r/var/log/w") << "1\n";
        std::ofstream(dir + "/r/#hash") << "x";
        std::ofstream(dir + "/r/var/new\nline") << "x";
    }
    void TearDown() override { fsys::remove_all(dir); }
    std::string dir;
};

TEST_F(ChangeListTest, EverythingChangedSinceAnEarlierMomentTheRootWhole) {
    // The tree was made after the epoch: its root changed, so the root goes whole.
    auto l = vs::transfer::changed_since(dir + "/r", later_by(-60));
    ASSERT_TRUE(l) << l.error().what();
    EXPECT_EQ(entries(*l), std::set<std::string>{"./"});
}

TEST_F(ChangeListTest, NothingChangedSinceALaterMoment) {
    auto l = vs::transfer::changed_since(dir + "/r", later_by(60));
    ASSERT_TRUE(l) << l.error().what();
    EXPECT_EQ(l->count, 0u);
    EXPECT_GE(l->scanned, 8u);
}

TEST_F(ChangeListTest, OnlyWhatChangedAfterTheEpochAChangedDirectoryWhole) {
    // The epoch 3 s after the tree was made (beyond the scan's margin), and the changes after
    // it: a file appended to, one whose mtime is set back, a directory that loses an entry.
    const std::string r = dir + "/r";
    const auto epoch = later_by(3);
    struct timespec pause {
        3, 100'000'000
    };
    ::nanosleep(&pause, nullptr);
    std::ofstream(r + "/var/log/w", std::ios::app) << "2\n";
    struct timespec old[2] = {{1, 0}, {1, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (r + "/#hash").c_str(), old, AT_SYMLINK_NOFOLLOW), 0);
    fsys::remove(r + "/etc/deep/er/f");
    auto l = vs::transfer::changed_since(r, epoch);
    ASSERT_TRUE(l) << l.error().what();
    EXPECT_EQ(entries(*l), (std::set<std::string>{"./var/log/w", "./#hash", "./etc/deep/er/"}));
    EXPECT_EQ(l->count, 3u);
}

TEST_F(ChangeListTest, AWallClockStepIsRefused) {
    auto e = vs::transfer::ChangeEpoch::now();
    e.realtime_ns -= 5'000'000'000;  // the wall clock moved 5 s more than the monotonic one
    auto l = vs::transfer::changed_since(dir + "/r", e);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, ESTALE);
}

}  // namespace
