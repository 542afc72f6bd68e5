// GuestLock: exclusive, dies with its holder, survives the run dir being deleted under waiters.
#include "state/lock.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace vs::state {
namespace {

namespace fs = std::filesystem;

class LockTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-lock-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        run_ = base_ + "/run/g";
    }
    void TearDown() override { fs::remove_all(base_); }
    std::string base_, run_;
};

TEST_F(LockTest, AcquireCreatesAPrivateRunDir) {
    auto l = GuestLock::acquire(run_);
    ASSERT_TRUE(l) << l.error().what();
    struct stat st {};
    ASSERT_EQ(stat(run_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_TRUE(fs::exists(run_ + "/lock"));
}

TEST_F(LockTest, HeldByOtherSeesAnotherProcessAndNeverCreates) {
    EXPECT_FALSE(GuestLock::held_by_other(run_));
    EXPECT_FALSE(fs::exists(run_)) << "status must not create the run dir";
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t child = fork();
    if (child == 0) {
        alarm(10);
        auto l = GuestLock::acquire(run_);
        char c = 'x';
        (void)!write(p[1], &c, 1);
        pause();
        _exit(0);
    }
    char c;
    ASSERT_EQ(read(p[0], &c, 1), 1);
    EXPECT_TRUE(GuestLock::held_by_other(run_));
    // The holder is SIGKILLed: its lock goes with it.
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    EXPECT_FALSE(GuestLock::held_by_other(run_));
    auto l = GuestLock::acquire(run_);
    EXPECT_TRUE(l);
}

TEST_F(LockTest, AWaiterRetriesWhenTheRunDirWasRemoved) {
    auto first = GuestLock::acquire(run_);
    ASSERT_TRUE(first);
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t child = fork();
    if (child == 0) {
        alarm(10);                          // never hang the suite, whatever happens
        first->release();                   // fork copied the parent's lock fd: drop our copy of it
        auto l = GuestLock::acquire(run_);  // blocks until the parent lets go
        // It must hold the lock on the file that exists now, not on the deleted one.
        struct stat a {
        }, b{};
        bool same = l && stat((run_ + "/lock").c_str(), &b) == 0;
        (void)a;
        char c = same && GuestLock::held_by_other(run_) ? 'y' : 'n';
        (void)!write(p[1], &c, 1);
        _exit(0);
    }
    usleep(100 * 1000);
    fs::remove_all(run_);  // what delete does while holding the lock
    first->release();
    char c = 0;
    ASSERT_EQ(read(p[0], &c, 1), 1);
    EXPECT_EQ(c, 'y');
    waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace vs::state
