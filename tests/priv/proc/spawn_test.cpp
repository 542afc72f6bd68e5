// proc::spawn: new namespaces, the sync protocol (errors cross the clone boundary with their
// errno), pidfd wait/kill, CLONE_INTO_CGROUP, fd sweeping, sealed memfd exec.
#include "proc/spawn.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/sys.hpp"
#include "proc/fds.hpp"
#include "proc/sealed_exec.hpp"

namespace vs::proc {
namespace {

class SpawnTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root";
    }
};

TEST_F(SpawnTest, ChildIsPidOneInItsNewNamespacesAndReportsErrorsWithErrno) {
    SpawnOptions o;
    o.ns_flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWIPC;
    auto c = spawn(o, [](SyncChannel& ch) {
        if (!ch.expect(SyncMsg::Go, "go")) return 1;
        (void)ch.send_error(make_error(EACCES, "child pid {} ppid {}", ::getpid(), ::getppid()));
        return 3;
    });
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_TRUE(c->used_clone3);
    // The child is in other namespaces than ours.
    struct stat a {
    }, b{};
    ASSERT_EQ(stat(fmt::format("/proc/{}/ns/uts", c->pidfd.pid()).c_str(), &a), 0);
    ASSERT_EQ(stat("/proc/self/ns/uts", &b), 0);
    EXPECT_NE(a.st_ino, b.st_ino);
    ASSERT_TRUE(c->channel.send(SyncMsg::Go));
    auto m = c->channel.recv();
    ASSERT_TRUE(m);
    ASSERT_EQ(m->type, SyncMsg::Error);
    EXPECT_EQ(m->error.code, EACCES);
    EXPECT_EQ(m->error.message, "child pid 1 ppid 0");
    auto st = c->pidfd.wait();
    ASSERT_TRUE(st);
    EXPECT_EQ(*st, 3);
}

TEST_F(SpawnTest, ChildDiesWhenTheParentGoesAwayBeforeGo) {
    SpawnOptions o;
    auto c = spawn(o, [](SyncChannel& ch) { return ch.expect(SyncMsg::Go, "go") ? 0 : 9; });
    ASSERT_TRUE(c);
    c->channel.close();  // as if the parent died: the child sees EOF and gives up
    EXPECT_EQ(*c->pidfd.wait(), 9);
}

TEST_F(SpawnTest, UsernsOwnerOwnsTheNewUserNamespaceAndTheParentGetsRootBack) {
    // A uid no host account has: what inotify and the other ucounts charge to the owner.
    constexpr uid_t kOwner = 3000000000u;
    SpawnOptions o;
    o.ns_flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS;
    o.userns_owner = kOwner;
    const int dumpable = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    // The child is born with that euid and the host root's fsuid (it still walks host paths
    // as root did).
    auto c = spawn(o, [](SyncChannel& ch) { return ch.expect(SyncMsg::Go, "go") ? 0 : 9; });
    ASSERT_TRUE(c) << c.error().what();
    auto cst = sys::read_file(fmt::format("/proc/{}/status", c->pidfd.pid()));
    ASSERT_TRUE(cst);
    EXPECT_NE(cst->find("\nUid:\t0\t3000000000\t0\t0\n"), std::string::npos) << *cst;
    auto ns = sys::open(fmt::format("/proc/{}/ns/user", c->pidfd.pid()), O_RDONLY);
    ASSERT_TRUE(ns) << ns.error().what();
    uid_t owner = 0;
    ASSERT_EQ(::ioctl(ns->get(), NS_GET_OWNER_UID, &owner), 0) << std::strerror(errno);
    EXPECT_EQ(owner, kOwner);
    ASSERT_TRUE(c->channel.send(SyncMsg::Go));
    EXPECT_EQ(*c->pidfd.wait(), 0);
    // The parent is root again, with its effective capabilities and its dumpable setting.
    uid_t r = 1, e = 1, sv = 1;
    ASSERT_EQ(::getresuid(&r, &e, &sv), 0);
    EXPECT_EQ(r, 0u);
    EXPECT_EQ(e, 0u);
    EXPECT_EQ(sv, 0u);
    EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), dumpable);
    int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    ASSERT_GT(n, 0);
    std::string st(buf, static_cast<size_t>(n));
    auto eff =
        st.substr(st.find("CapEff:"), st.find('\n', st.find("CapEff:")) - st.find("CapEff:"));
    auto prm =
        st.substr(st.find("CapPrm:"), st.find('\n', st.find("CapPrm:")) - st.find("CapPrm:"));
    EXPECT_EQ(eff.substr(7), prm.substr(7)) << st;
    // Without the option the owner is the caller (root).
    SpawnOptions plain = o;
    plain.userns_owner.reset();
    auto c2 = spawn(plain, [](SyncChannel& ch) { return ch.expect(SyncMsg::Go, "go") ? 0 : 9; });
    ASSERT_TRUE(c2);
    auto ns2 = sys::open(fmt::format("/proc/{}/ns/user", c2->pidfd.pid()), O_RDONLY);
    ASSERT_TRUE(ns2);
    ASSERT_EQ(::ioctl(ns2->get(), NS_GET_OWNER_UID, &owner), 0);
    EXPECT_EQ(owner, 0u);
    ASSERT_TRUE(c2->channel.send(SyncMsg::Go));
    EXPECT_EQ(*c2->pidfd.wait(), 0);
}

TEST_F(SpawnTest, PidfdSignalsAndWaits) {
    auto c = spawn({}, [](SyncChannel&) {
        pause();
        return 0;
    });
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->pidfd.alive());
    ASSERT_TRUE(c->pidfd.send_signal(SIGKILL));
    EXPECT_EQ(*c->pidfd.wait(), 128 + SIGKILL);
    EXPECT_TRUE(c->pidfd.send_signal(SIGKILL)) << "signalling a reaped process is not an error";
}

TEST_F(SpawnTest, CloneIntoCgroupPutsTheChildInItBeforeItRuns) {
    std::string base = "/sys/fs/cgroup/unified";
    if (!sys::is_dir(base)) base = "/sys/fs/cgroup";
    std::string dir = fmt::format("{}/vstest-spawn-{}", base, ::getpid());
    if (::mkdir(dir.c_str(), 0755) < 0) GTEST_SKIP() << "cannot create a cgroup2 dir in " << base;
    auto fd = sys::open(dir, O_PATH | O_DIRECTORY);
    ASSERT_TRUE(fd);
    SpawnOptions o;
    o.cgroup2_fd = fd->get();
    auto c = spawn(o, [](SyncChannel& ch) { return ch.expect(SyncMsg::Go, "go") ? 0 : 1; });
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_TRUE(c->in_cgroup);
    auto procs = sys::read_file(dir + "/cgroup.procs");
    ASSERT_TRUE(procs);
    EXPECT_EQ(*procs, fmt::format("{}\n", c->pidfd.pid()));
    ASSERT_TRUE(c->channel.send(SyncMsg::Go));
    EXPECT_EQ(*c->pidfd.wait(), 0);
    EXPECT_EQ(::rmdir(dir.c_str()), 0);
}

TEST_F(SpawnTest, CloseFdsKeepsOnlyTheDeclaredOnes) {
    int keep = ::open("/dev/null", O_RDONLY);
    int drop1 = ::open("/dev/null", O_RDONLY);
    int drop2 = ::fcntl(drop1, F_DUPFD, 200);
    auto c = spawn({}, [&](SyncChannel& ch) {
        if (!close_fds_except({ch.fd(), keep})) return 1;
        auto state = [](int fd) { return ::fcntl(fd, F_GETFD) < 0 ? "closed" : "open"; };
        (void)ch.send_error(make_error(0, "keep={} drop1={} drop2={} stdin={}", state(keep),
                                       state(drop1), state(drop2), state(0)));
        return 0;
    });
    ASSERT_TRUE(c);
    auto m = c->channel.recv();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->error.message, "keep=open drop1=closed drop2=closed stdin=open");
    (void)c->pidfd.wait();
    ::close(keep);
    ::close(drop1);
    ::close(drop2);
}

TEST_F(SpawnTest, SealedCopyCannotBeWrittenAndStillExecutes) {
    auto m = sealed_copy("/bin/true");
    ASSERT_TRUE(m) << m.error().what();
    EXPECT_LT(::write(m->get(), "x", 1), 0);
    {
        // Reopening it for writing (what CVE-2019-5736 does through /proc/PID/exe) gains nothing.
        auto w = sys::open(fmt::format("/proc/self/fd/{}", m->get()), O_WRONLY);
        if (w) {
            EXPECT_LT(::write(w->get(), "x", 1), 0);
        }
    }
    auto c = spawn({}, [&](SyncChannel&) {
        Error e = exec_fd(m->get(), {"true"}, {});
        return 100 + e.code;
    });
    ASSERT_TRUE(c);
    EXPECT_EQ(*c->pidfd.wait(), 0);
}

}  // namespace
}  // namespace vs::proc
