// mount::execute on a real (empty) guest root in a child with new namespaces: what the guest
// ends up seeing, and that a symlinked target inside the root is refused.
#include "mount/executor.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/sys.hpp"
#include "proc/spawn.hpp"

namespace vs::mount {
namespace {

namespace fs = std::filesystem;

std::string errname(int rc) { return rc >= 0 ? "ok" : strerrorname_np(errno); }

class ExecutorTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root";
        char tmpl[] = "/tmp/vs-mnt-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        chmod(root_.c_str(), 0755);
    }
    void TearDown() override {
        if (!root_.empty()) fs::remove_all(root_);
    }

    /// Runs `plan` in a child with new mount/pid/net/ipc/uts namespaces, then `probe` (after
    /// pivot_root); returns "error: ..." or the probe's text.
    std::string run(const Plan& plan, const std::function<std::string()>& probe) {
        proc::SpawnOptions o;
        o.ns_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
        std::string root = root_;
        auto c = proc::spawn(o, [&](proc::SyncChannel& ch) {
            auto r = execute(plan, root);
            std::string out = r ? probe() : "error: " + r.error().what();
            (void)ch.send_error(make_error(0, "{}", out));
            return 0;
        });
        if (!c) return "spawn: " + c.error().what();
        auto m = c->channel.recv();
        (void)c->pidfd.wait();
        if (!m || m->eof) return "no report";
        return m->error.message;
    }
    std::string root_;
};

TEST_F(ExecutorTest, TheGuestSeesHardenedProcSysDevAndNothingOfTheHost) {
    GuestMounts g;
    g.root = root_;
    g.fstab = {{"none", "/tmp", "tmpfs", "size=1m,mode=1777"}};
    auto plan = build_plan(g);
    ASSERT_TRUE(plan);
    auto out = run(*plan, [] {
        std::string s;
        struct stat st {};
        s += "null=" +
             std::string(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
                                 st.st_rdev == makedev(1, 3)
                             ? "chr13"
                             : "bad") +
             ";";
        s += "procsys=" + errname(open("/proc/sys/kernel/hostname", O_WRONLY)) + ";";
        s += "sysw=" + errname(mkdir("/sys/vs-test", 0755)) + ";";
        int k = open("/proc/keys", O_RDONLY);
        char buf[16];
        s += "keys=" + std::to_string(k >= 0 ? read(k, buf, sizeof buf) : -1) + ";";
        s += "hostetc=" + errname(access("/etc/passwd", F_OK)) + ";";
        s += "tmp=" + errname(mkdir("/tmp/x", 0755)) + ";";
        s += "pid1=" +
             std::string(access("/proc/1/status", F_OK) == 0 && getpid() == 1 ? "me" : "other") +
             ";";
        s += "pts=" + errname(access("/dev/pts/ptmx", F_OK)) + ";";
        return s;
    });
    EXPECT_EQ(out,
              "null=chr13;procsys=EROFS;sysw=EROFS;keys=0;hostetc=ENOENT;tmp=ok;pid1=me;pts=ok;");
    // Nothing was mounted in the host's namespace.
    auto mi = sys::read_file("/proc/self/mountinfo");
    ASSERT_TRUE(mi);
    EXPECT_EQ(mi->find(root_), std::string::npos);
}

TEST_F(ExecutorTest, ASymlinkedMountTargetInsideTheRootIsRefused) {
    fs::create_directory_symlink("/etc", root_ + "/data");
    GuestMounts g;
    g.root = root_;
    g.fstab = {{"none", "/data", "tmpfs", "size=1m"}};
    auto plan = build_plan(g);
    ASSERT_TRUE(plan);
    auto out = run(*plan, [] { return std::string("mounted"); });
    EXPECT_NE(out.find("\"/data\" in the guest root is a symlink"), std::string::npos) << out;
}

TEST_F(ExecutorTest, SymlinksInsideTheRootResolveInsideIt) {
    // An absolute link in the guest means the guest's path: the mount lands in the root.
    fs::create_directories(root_ + "/real");
    fs::create_directory_symlink("/real", root_ + "/var");
    GuestMounts g;
    g.root = root_;
    g.fstab = {{"none", "/var/cache", "tmpfs", "size=1m"}};
    auto plan = build_plan(g);
    ASSERT_TRUE(plan);
    auto out = run(*plan, [] {
        struct stat a {
        }, b{};
        stat("/real/cache", &a);
        stat("/real", &b);
        return std::string(a.st_dev != b.st_dev ? "in-root" : "not-mounted");
    });
    EXPECT_EQ(out, "in-root");
    EXPECT_FALSE(fs::exists("/real/cache"));
}

}  // namespace
}  // namespace vs::mount
