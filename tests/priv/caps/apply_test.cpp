// Privileged tests for caps::apply_in_child: the sets it leaves, what guest root can no longer
// do, and that setuid-root and file-capability binaries stay inside the bounding set.
#include "caps/apply.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <cstdlib>
#include <filesystem>

#include "priv/caps/in_child.hpp"
#include "spec/capabilities.hpp"

namespace vs {
namespace {

using testing::exec_in_child;
using testing::Report;
using testing::run_in_child;

uint64_t guest_set() { return spec::default_bounding_set(); }

// Temp dir on a filesystem without nosuid (setuid and file capabilities must be honoured).
class CapsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root";
        char tmpl[] = "/var/tmp/vs-caps-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        chmod(dir_.c_str(), 0755);
        struct statvfs sv {};
        ASSERT_EQ(statvfs(dir_.c_str(), &sv), 0);
        nosuid_ = (sv.f_flag & ST_NOSUID) != 0;
    }
    void TearDown() override {
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::string dir_;
    bool nosuid_ = false;
};

TEST_F(CapsTest, SetsMatchTheConfiguredBoundingSet) {
    auto mask = caps::kernel_mask();
    ASSERT_TRUE(mask) << mask.error().what();
    const uint64_t want = guest_set() & *mask;
    Report r = run_in_child([&](Report& out) {
        // Dirty the sets first, as a careless parent could: inheritable and ambient non-empty.
        cap_t c = cap_get_proc();
        cap_value_t v = CAP_NET_ADMIN;
        cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET);
        cap_set_proc(c);
        cap_free(c);
        out["amb_raise"] = VS_OUTCOME(cap_set_ambient(CAP_NET_ADMIN, CAP_SET));
        auto st = caps::apply_in_child(spec::Caps{guest_set(), {}});
        out["apply"] = st ? "ok" : st.error().what();
        auto s = caps::read_status();
        if (!s) return;
        out["bnd"] = caps::format_mask(s->bounding);
        out["inh"] = caps::format_mask(s->inheritable);
        out["amb"] = caps::format_mask(s->ambient);
        out["prm"] = caps::format_mask(s->permitted);
        out["eff"] = caps::format_mask(s->effective);
        out["secbits"] = std::to_string(prctl(PR_GET_SECUREBITS));
    });
    EXPECT_EQ(r["amb_raise"], "ok");  // the dirty state really was dirty
    EXPECT_EQ(r["apply"], "ok");
    EXPECT_EQ(r["bnd"], caps::format_mask(want));
    EXPECT_EQ(r["prm"], caps::format_mask(want));
    EXPECT_EQ(r["eff"], caps::format_mask(want));
    EXPECT_EQ(r["inh"], "0000000000000000");
    EXPECT_EQ(r["amb"], "0000000000000000");
    EXPECT_EQ(r["secbits"], "0");
}

TEST_F(CapsTest, UndefinedHighBitsAreIgnored) {
    auto mask = caps::kernel_mask();
    ASSERT_TRUE(mask);
    Report r = run_in_child([&](Report& out) {
        auto st = caps::apply_in_child(spec::Caps{~uint64_t{0}, {}});
        out["apply"] = st ? "ok" : st.error().what();
        if (auto s = caps::read_status()) out["bnd"] = caps::format_mask(s->bounding);
    });
    // Every capability the kernel knows and this process still has (a starter lacking one,
    // like CAP_SYS_RESOURCE on the CI machine, cannot hand it on).
    auto self = caps::read_status();
    ASSERT_TRUE(self);
    EXPECT_EQ(r["apply"], "ok");
    EXPECT_EQ(r["bnd"], caps::format_mask(*mask & self->bounding));
}

TEST_F(CapsTest, GuestRootCannotMountLoadModulesMknodOrReadKcore) {
    const std::string node = dir_ + "/sda";
    Report r = run_in_child([&](Report& out) {
        if (!testing::private_mount_ns()) {
            out["setup"] = "unshare mount ns failed";
            return;
        }
        auto st = caps::apply_in_child(spec::Caps{guest_set(), {}});
        out["apply"] = st ? "ok" : st.error().what();
        out["mount"] = VS_OUTCOME(mount("none", dir_.c_str(), "tmpfs", 0, nullptr));
        out["bind"] = VS_OUTCOME(mount("/", dir_.c_str(), nullptr, MS_BIND, nullptr));
        out["umount"] = VS_OUTCOME(umount2("/proc", MNT_DETACH));
        out["init_module"] = VS_OUTCOME(syscall(SYS_init_module, nullptr, 0, ""));
        out["finit_module"] = VS_OUTCOME(syscall(SYS_finit_module, -1, "", 0));
        out["delete_module"] = VS_OUTCOME(syscall(SYS_delete_module, "nonexistent_mod", 0));
        out["mknod_blk"] = VS_OUTCOME(mknod(node.c_str(), S_IFBLK | 0600, makedev(8, 0)));
        out["mknod_mem"] = VS_OUTCOME(mknod(node.c_str(), S_IFCHR | 0600, makedev(1, 1)));
        out["kcore"] = VS_OUTCOME(open("/proc/kcore", O_RDONLY));
        struct timespec now {};
        clock_gettime(CLOCK_REALTIME, &now);  // setting "now" would be harmless if it worked
        out["settime"] = VS_OUTCOME(clock_settime(CLOCK_REALTIME, &now));
        out["chown"] = VS_OUTCOME(chown(dir_.c_str(), 0, 0));  // a kept capability still works
    });
    unlink(node.c_str());
    EXPECT_EQ(r["apply"], "ok") << r["setup"];
    EXPECT_EQ(r["mount"], "EPERM");
    EXPECT_EQ(r["bind"], "EPERM");
    EXPECT_EQ(r["umount"], "EPERM");
    // A kernel built without CONFIG_MODULES answers ENOSYS before any capability check.
    const std::string no_module = access("/proc/modules", F_OK) == 0 ? "EPERM" : "ENOSYS";
    EXPECT_EQ(r["init_module"], no_module);
    EXPECT_EQ(r["finit_module"], no_module);
    EXPECT_EQ(r["delete_module"], no_module);
    EXPECT_EQ(r["mknod_blk"], "EPERM");
    EXPECT_EQ(r["mknod_mem"], "EPERM");
    // open_kcore() needs CAP_SYS_RAWIO; kernels without CONFIG_PROC_KCORE have no file.
    if (access("/proc/kcore", F_OK) == 0) {
        EXPECT_EQ(r["kcore"], "EPERM");
    } else {
        EXPECT_EQ(r["kcore"], "ENOENT");
    }
    EXPECT_EQ(r["settime"], "EPERM");
    EXPECT_EQ(r["chown"], "ok");
}

// After execve, uid 0 gets exactly the bounding set (root semantics), NoNewPrivs untouched.
TEST_F(CapsTest, RootExecGetsTheBoundingSet) {
    auto mask = caps::kernel_mask();
    ASSERT_TRUE(mask);
    auto res = exec_in_child(
        [] {
            auto st = caps::apply_in_child(spec::Caps{guest_set(), {}});
            return st ? std::string() : st.error().what();
        },
        {"/bin/cat", "/proc/self/status"});
    ASSERT_TRUE(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) << res.output;
    auto s = caps::parse_status(res.output);
    ASSERT_TRUE(s) << s.error().what();
    const uint64_t want = guest_set() & *mask;
    EXPECT_EQ(caps::format_mask(s->bounding), caps::format_mask(want));
    EXPECT_EQ(caps::format_mask(s->effective), caps::format_mask(want));
    EXPECT_EQ(caps::format_mask(s->permitted), caps::format_mask(want));
    EXPECT_EQ(s->inheritable, 0u);
    EXPECT_EQ(s->ambient, 0u);
    EXPECT_FALSE(s->no_new_privs);
}

// A copy of cat with file capabilities, run by an unprivileged guest user after the drop.
class FileCapsTest : public CapsTest {
protected:
    std::string copy_cat(const std::string& name) {
        std::string p = dir_ + "/" + name;
        std::filesystem::copy_file("/bin/cat", p);
        chmod(p.c_str(), 0755);
        return p;
    }
    static std::string drop_then_become_nobody() {
        auto st = caps::apply_in_child(spec::Caps{guest_set(), {}});
        if (!st) return st.error().what();
        if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0)
            return "setresuid nobody failed";
        return "";
    }
};

TEST_F(FileCapsTest, FileCapabilitiesCannotExceedTheBoundingSet) {
    if (nosuid_) GTEST_SKIP() << dir_ << " is mounted nosuid";
    if (system("command -v setcap >/dev/null") != 0) GTEST_SKIP() << "setcap (libcap2-bin) missing";
    // +p only: the binary gets (file permitted & bounding): CHOWN yes, SYS_ADMIN/NET_ADMIN no.
    std::string p = copy_cat("cat-p");
    ASSERT_EQ(system(("setcap cap_chown,cap_sys_admin,cap_net_admin+p " + p).c_str()), 0);
    auto res = exec_in_child(drop_then_become_nobody, {p, "/proc/self/status"});
    ASSERT_TRUE(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) << res.output;
    auto s = caps::parse_status(res.output);
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(caps::format_mask(s->permitted), caps::format_mask(uint64_t{1} << CAP_CHOWN));
    EXPECT_EQ(s->effective, 0u);
    EXPECT_EQ(s->inheritable, 0u);
    EXPECT_EQ(s->ambient, 0u);

    // +ep: the kernel refuses to run a capability-dumb binary that would not get every
    // capability it asks for (capabilities(7), "Safety checking"): execve fails with EPERM.
    std::string ep = copy_cat("cat-ep");
    ASSERT_EQ(system(("setcap cap_chown,cap_sys_admin+ep " + ep).c_str()), 0);
    res = exec_in_child(drop_then_become_nobody, {ep, "/proc/self/status"});
    EXPECT_EQ(res.output, "exec: EPERM");

    // Without the drop, the same binary does get CAP_SYS_ADMIN: the test can tell the difference.
    res = exec_in_child(
        [] {
            if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
                setresuid(65534, 65534, 65534) != 0)
                return std::string("setresuid nobody failed");
            return std::string();
        },
        {ep, "/proc/self/status"});
    ASSERT_TRUE(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) << res.output;
    s = caps::parse_status(res.output);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->effective & (uint64_t{1} << CAP_SYS_ADMIN));
}

TEST_F(FileCapsTest, SetuidRootGetsOnlyTheBoundingSet) {
    if (nosuid_) GTEST_SKIP() << dir_ << " is mounted nosuid";
    auto mask = caps::kernel_mask();
    ASSERT_TRUE(mask);
    std::string p = copy_cat("cat-suid");
    ASSERT_EQ(chown(p.c_str(), 0, 0), 0);
    ASSERT_EQ(chmod(p.c_str(), 04755), 0);
    auto res = exec_in_child(drop_then_become_nobody, {p, "/proc/self/status"});
    ASSERT_TRUE(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) << res.output;
    auto s = caps::parse_status(res.output);
    ASSERT_TRUE(s) << s.error().what();
    const uint64_t want = guest_set() & *mask;
    EXPECT_EQ(caps::format_mask(s->permitted), caps::format_mask(want));
    EXPECT_EQ(caps::format_mask(s->effective), caps::format_mask(want));
    EXPECT_EQ(caps::format_mask(s->bounding), caps::format_mask(want));
    EXPECT_EQ(s->inheritable, 0u);
}

}  // namespace
}  // namespace vs
