// base/sys: atomic writes, directory listings, openat2 confinement.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "base/fault.hpp"
#include "base/read_line.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_signal.hpp"
#include "base/sys_subdirs.hpp"
#include "fs/resolve.hpp"
#include "unit/base/dead_pid.hpp"
#include "unit/base/temp_dir.hpp"

namespace {

using vs::test::TempDir;

TEST(Sys, AtomicWriteReplacesContentAndLeavesNoTmp) {
    TempDir d;
    std::string f = d.path + "/state.json";
    ASSERT_TRUE(vs::sys::write_file_atomic(f, "old"));
    ASSERT_TRUE(vs::sys::write_file_atomic(f, "new", 0600));
    EXPECT_EQ(*vs::sys::read_file(f), "new");
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto names = vs::sys::list_dir(d.path);
    ASSERT_TRUE(names);
    EXPECT_EQ(names->size(), 1u);
}

TEST(Sys, ReadMissingFileNamesPath) {
    auto r = vs::sys::read_file("/nonexistent/vs-file");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ENOENT);
    EXPECT_NE(r.error().what().find("/nonexistent/vs-file"), std::string::npos);
}

TEST(Sys, MkdirPMakesMissingParentsWithModeAndRefusesAFileInTheWay) {
    TempDir d;
    std::string deep = d.path + "/a/b/c";
    ASSERT_TRUE(vs::sys::mkdir_p(deep, 0700));
    for (const std::string& p : {d.path + "/a", d.path + "/a/b", deep}) {
        struct stat st {};
        ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
        EXPECT_TRUE(S_ISDIR(st.st_mode)) << p;
        EXPECT_EQ(st.st_mode & 0777, 0700u) << p;
    }
    EXPECT_TRUE(vs::sys::mkdir_p(deep));        // already there
    EXPECT_TRUE(vs::sys::mkdir_p(deep + "/"));  // trailing slash
    ASSERT_TRUE(vs::sys::write_file_atomic(d.path + "/file", "x"));
    auto r = vs::sys::mkdir_p(d.path + "/file");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ENOTDIR);
    r = vs::sys::mkdir_p(d.path + "/file/sub");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find(d.path + "/file"), std::string::npos) << r.error().what();
}

TEST(Sys, MkdirPListsOnlyTheDirsItMadeItself) {
    TempDir d;
    ASSERT_TRUE(vs::sys::mkdir_p(d.path + "/a"));
    std::vector<std::string> made;
    ASSERT_TRUE(vs::sys::mkdir_p(d.path + "/a/b/c", 0700, &made));
    EXPECT_EQ(made, (std::vector<std::string>{d.path + "/a/b", d.path + "/a/b/c"}));
    made.clear();
    ASSERT_TRUE(vs::sys::mkdir_p(d.path + "/a/b/c", 0700, &made));
    EXPECT_TRUE(made.empty());
}

// Two builds into one new roots dir: each directory is listed by exactly one of them (the one
// whose mkdir made it), so neither's undo removes the other's; both succeed.
TEST(Sys, MkdirPRacingCallersEachListOnlyTheirOwn) {
    TempDir d;
    for (int round = 0; round < 100; ++round) {
        const std::string top = d.path + "/" + std::to_string(round);
        const std::string deep = top + "/x/y";
        std::vector<std::string> made[2];
        bool done[2] = {false, false};
        std::latch go(2);
        auto run = [&](int i) {
            go.arrive_and_wait();
            done[i] = static_cast<bool>(vs::sys::mkdir_p(deep, 0700, &made[i]));
        };
        std::thread t0(run, 0), t1(run, 1);
        t0.join();
        t1.join();
        EXPECT_TRUE(done[0] && done[1]) << round;
        std::vector<std::string> all = made[0];
        all.insert(all.end(), made[1].begin(), made[1].end());
        std::sort(all.begin(), all.end());
        EXPECT_EQ(all, (std::vector<std::string>{top, top + "/x", deep})) << round;
    }
}

// A level's parent removed after mkdir_p made it and before the level's mkdir (a concurrent
// undo of empty dirs): the parent is made again and the call succeeds. The child is held at the
// fault point while the parent process removes the dirs; it stops there once more, at the retry.
TEST(Sys, MkdirPMakesAParentAgainWhenItIsRemovedBeforeTheNextLevel) {
    ::setenv("VSERVER_FAULT", "p:fail", 1);
    const bool seam = !vs::fault_point("p");
    ::unsetenv("VSERVER_FAULT");
    if (!seam) GTEST_SKIP() << "built without VS_FAULT_INJECTION";
    TempDir d;
    const std::string top = d.path + "/a", mid = top + "/b", deep = mid + "/c";
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::setenv("VSERVER_FAULT", ("mkdir:parent-ready:stop@" + deep).c_str(), 1);
        auto r = vs::sys::mkdir_p(deep, 0700);
        struct stat st {};
        ::_exit(r && ::stat(deep.c_str(), &st) == 0 && S_ISDIR(st.st_mode) ? 0 : 1);
    }
    // A failed assertion must not leave the child stopped.
    struct Reap {
        pid_t pid;
        ~Reap() {
            if (pid <= 0) return;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    } reap{pid};
    auto wait = [&] {
        int status = 0;
        EXPECT_EQ(::waitpid(pid, &status, WUNTRACED), pid);
        if (WIFEXITED(status) || WIFSIGNALED(status)) reap.pid = 0;
        return status;
    };
    int status = wait();
    ASSERT_TRUE(WIFSTOPPED(status)) << status;
    ASSERT_EQ(::rmdir(mid.c_str()), 0);
    ASSERT_EQ(::rmdir(top.c_str()), 0);
    ::kill(pid, SIGCONT);
    status = wait();
    const bool held_again = WIFSTOPPED(status);
    if (held_again) {
        ::kill(pid, SIGCONT);
        status = wait();
    }
    EXPECT_TRUE(held_again);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    struct stat st {};
    ASSERT_EQ(::stat(deep.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(Sys, ListEntriesTypesWithoutFollowingLinks) {
    TempDir d;
    ASSERT_TRUE(vs::sys::write_file_atomic(d.path + "/b-file", "x"));
    ASSERT_TRUE(vs::sys::mkdir_p(d.path + "/a-dir"));
    ASSERT_TRUE(vs::sys::symlink(d.path + "/a-dir", d.path + "/c-link"));
    auto e = vs::sys::list_entries(d.path);
    ASSERT_TRUE(e) << e.error().what();
    ASSERT_EQ(e->size(), 3u);
    EXPECT_EQ((*e)[0].name, "a-dir");
    EXPECT_EQ((*e)[0].type, vs::sys::EntryType::Dir);
    EXPECT_EQ((*e)[1].type, vs::sys::EntryType::File);
    EXPECT_EQ((*e)[2].type, vs::sys::EntryType::Link);  // to a directory, not followed
}

TEST(Sys, OpenInRootStaysInsideRoot) {
    TempDir outside, root;
    ASSERT_TRUE(vs::sys::write_file_atomic(outside.path + "/secret", "host"));
    ASSERT_TRUE(vs::sys::mkdir_p(root.path + "/etc"));
    ASSERT_TRUE(vs::sys::write_file_atomic(root.path + "/etc/secret", "guest"));
    // An absolute symlink planted by the guest resolves inside the root, not on the host.
    ASSERT_TRUE(vs::sys::symlink(outside.path + "/secret", root.path + "/evil"));
    ASSERT_TRUE(vs::sys::symlink("/etc/secret", root.path + "/good"));
    auto rootfd = vs::sys::open(root.path, O_PATH | O_DIRECTORY);
    ASSERT_TRUE(rootfd);
    auto good = vs::fs::open_in_root(rootfd->get(), "good", O_RDONLY);
    ASSERT_TRUE(good);
    EXPECT_EQ(*vs::sys::read_all(good->get(), "good"), "guest");
    auto evil = vs::fs::open_in_root(rootfd->get(), "evil", O_RDONLY);
    EXPECT_FALSE(evil);  // resolves to <root>/<outside>/secret, which does not exist
    auto dotdot = vs::fs::open_in_root(rootfd->get(), "../../../../etc/passwd", O_RDONLY);
    EXPECT_FALSE(dotdot);
}

TEST(Sys, ReadAllRefusesMoreThanItsCap) {
    TempDir d;
    std::string path = d.path + "/f";
    ASSERT_TRUE(vs::sys::write_file_atomic(path, std::string(20000, 'x')));
    auto fd = vs::sys::open(path, O_RDONLY);
    ASSERT_TRUE(fd);
    auto capped = vs::sys::read_all(fd->get(), "f", 19999);
    ASSERT_FALSE(capped);
    EXPECT_EQ(capped.error().code, EFBIG);
    EXPECT_NE(capped.error().what().find("\"f\" is larger than 19999 bytes"), std::string::npos);
    ASSERT_EQ(::lseek(fd->get(), 0, SEEK_SET), 0);
    auto whole = vs::sys::read_all(fd->get(), "f", 20000);
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->size(), 20000u);
}

TEST(Sys, ReadLineSplitsAcrossReadsAndDropsAnUnfinishedLastLine) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    vs::UniqueFd r(p[0]), w(p[1]);
    // More than one read's worth before the first newline, then two lines in one write.
    std::string longline(5000, 'a');
    ASSERT_TRUE(vs::sys::write_all(w.get(), longline + "\nb\n\nc", "pipe"));
    w.reset();
    std::string buf;
    std::vector<std::string> got;
    for (;;) {
        auto line = vs::sys::read_line(r.get(), buf, "pipe");
        ASSERT_TRUE(line);
        if (!*line) break;
        got.push_back(**line);
    }
    EXPECT_EQ(got, (std::vector<std::string>{longline, "b", ""}));
}

TEST(Strings, StrictNumbers) {
    EXPECT_EQ(vs::str::parse_u64(" 42\n"), 42u);
    EXPECT_FALSE(vs::str::parse_u64("42x"));
    EXPECT_FALSE(vs::str::parse_u64("-1"));
    EXPECT_FALSE(vs::str::parse_u64(""));
    EXPECT_EQ(vs::str::parse_i64("-5"), -5);
    EXPECT_FALSE(vs::str::parse_u64("18446744073709551616"));
}

TEST(Strings, ListFileFormatSkipsCommentsAndBlanks) {
    auto l = vs::str::lines("# c\nCAP_NET_RAW\n\n  !CAP_CHOWN  \n");
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0], "CAP_NET_RAW");
    EXPECT_EQ(l[1], "!CAP_CHOWN");
}

TEST(Sys, PidGoneOnlyForAReapedProcess) {
    EXPECT_TRUE(vs::sys::pid_gone(vs::test::dead_pid()));
    EXPECT_FALSE(vs::sys::pid_gone(std::to_string(::getpid())));
    EXPECT_FALSE(vs::sys::pid_gone("1"));  // init exists (EPERM or success, never ESRCH)
    EXPECT_FALSE(vs::sys::pid_gone(""));
    EXPECT_FALSE(vs::sys::pid_gone("0"));
    EXPECT_FALSE(vs::sys::pid_gone("12a"));
    EXPECT_FALSE(vs::sys::pid_gone("99999999"));  // above PID_MAX_LIMIT: not a pid
}

}  // namespace
