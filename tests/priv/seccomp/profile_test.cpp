// Privileged tests for seccomp::load_profile: what the default profile refuses on the native,
// i386 (int 0x80) and x32 ABIs, with which errno, and what it must keep working.
#include "seccomp/profile.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>

#include <filesystem>

#include "caps/apply.hpp"
#include "priv/caps/in_child.hpp"
#include "spec/capabilities.hpp"

namespace vs {
namespace {

using testing::outcome;
using testing::Report;
using testing::run_in_child;

constexpr long kX32 = 0x40000000;

// An i386 system call through int 0x80 from this 64-bit process: the kernel runs it with the
// i386 ABI and seccomp sees AUDIT_ARCH_I386. Returns -errno like the raw kernel entry.
long int80(long nr, long a = 0, long b = 0, long c = 0) {
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}
std::string int80_outcome(long nr, long a = 0, long b = 0, long c = 0) {
    long r = int80(nr, a, b, c);
    return r >= 0 ? "ok" : outcome(-1, static_cast<int>(-r));
}

// i386 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl).
constexpr long k32Getpid = 20, k32Mount = 21, k32KexecLoad = 283, k32Keyctl = 288, k32Unshare = 310,
               k32OpenByHandleAt = 342, k32Bpf = 357, k32InitModule = 128;

seccomp::ProfileOptions guest_options() {
    seccomp::ProfileOptions o;
    o.caps = spec::default_bounding_set();
    return o;
}

class SeccompTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root";
    }
};

TEST_F(SeccompTest, DefaultProfileDeniesDangerousCallsNatively) {
    Report r = run_in_child([](Report& out) {
        if (!testing::private_mount_ns()) return;
        auto st = seccomp::load_profile("default", guest_options());
        out["load"] = st ? "ok" : st.error().what();
        // Still holding every capability: each EPERM below comes from the filter, and each
        // call's unfiltered answer would differ (EFAULT, EBADF, success), except kexec_load
        // which lockdown also refuses.
        out["kexec_load"] = VS_OUTCOME(syscall(SYS_kexec_load, 0, 0, nullptr, 0));
        out["kexec_file_load"] = VS_OUTCOME(syscall(SYS_kexec_file_load, -1, -1, 0, "", 0));
        out["open_by_handle_at"] = VS_OUTCOME(syscall(SYS_open_by_handle_at, -1, nullptr, 0));
        out["keyctl"] = VS_OUTCOME(syscall(SYS_keyctl, 0 /*GET_KEYRING_ID*/, -3, 0));
        out["add_key"] = VS_OUTCOME(syscall(SYS_add_key, "user", "x", "y", 1, -3));
        out["bpf"] = VS_OUTCOME(syscall(SYS_bpf, 5 /*PROG_LOAD*/, nullptr, 0));
        out["perf_event_open"] = VS_OUTCOME(syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0));
        out["userfaultfd"] = VS_OUTCOME(syscall(SYS_userfaultfd, 0));
        out["io_uring_setup"] = VS_OUTCOME(syscall(SYS_io_uring_setup, 1, nullptr));
        out["init_module"] = VS_OUTCOME(syscall(SYS_init_module, nullptr, 0, ""));
        out["mount"] = VS_OUTCOME(mount("none", "/mnt", "tmpfs", 0, nullptr));
        out["umount2"] = VS_OUTCOME(umount2("/nonexistent", 0));
        out["fsopen"] = VS_OUTCOME(syscall(SYS_fsopen, "tmpfs", 0));
        out["open_tree"] = VS_OUTCOME(syscall(SYS_open_tree, -100, "/", 0));
        out["pivot_root"] = VS_OUTCOME(syscall(SYS_pivot_root, "/", "/"));
        out["swapoff"] = VS_OUTCOME(syscall(SYS_swapoff, "/nonexistent"));
        out["acct"] = VS_OUTCOME(syscall(SYS_acct, nullptr));
        out["syslog"] = VS_OUTCOME(syscall(SYS_syslog, 10 /*SIZE_BUFFER*/, nullptr, 0));
        out["iopl"] = VS_OUTCOME(syscall(SYS_iopl, 0));
        out["unshare_user"] = VS_OUTCOME(unshare(CLONE_NEWUSER));
        out["unshare_net"] = VS_OUTCOME(unshare(CLONE_NEWNET));
        out["unshare_time"] = VS_OUTCOME(unshare(0x80 /*CLONE_NEWTIME*/));
        out["setns"] = VS_OUTCOME(setns(-1, 0));
        out["clone_newuser"] = VS_OUTCOME(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
        out["clone3"] = VS_OUTCOME(syscall(SYS_clone3, nullptr, 0));
        out["personality_aslr_off"] = VS_OUTCOME(personality(ADDR_NO_RANDOMIZE));
        out["socket_alg"] = VS_OUTCOME(socket(AF_ALG, SOCK_SEQPACKET, 0));
        out["socket_alg_highbits"] =
            VS_OUTCOME(syscall(SYS_socket, (1L << 32) | AF_ALG, SOCK_SEQPACKET, 0));
        out["socket_vsock"] = VS_OUTCOME(socket(AF_VSOCK, SOCK_STREAM, 0));
        int nul = open("/dev/null", O_RDWR);
        char ch = 'x';
        out["tiocsti"] = VS_OUTCOME(ioctl(nul, TIOCSTI, &ch));
        out["tiocsti_highbits"] = VS_OUTCOME(syscall(SYS_ioctl, nul, (1L << 32) | TIOCSTI, &ch));
        // mseal (6.10) is newer than Debian 12's libseccomp: unknown syscalls get ENOSYS.
        out["unknown_mseal"] = VS_OUTCOME(syscall(462, 0, 0, 0));
    });
    EXPECT_EQ(r["load"], "ok");
    for (const char* k : {"kexec_load",
                          "kexec_file_load",
                          "open_by_handle_at",
                          "keyctl",
                          "add_key",
                          "bpf",
                          "perf_event_open",
                          "userfaultfd",
                          "io_uring_setup",
                          "init_module",
                          "mount",
                          "umount2",
                          "fsopen",
                          "open_tree",
                          "pivot_root",
                          "swapoff",
                          "acct",
                          "syslog",
                          "iopl",
                          "unshare_user",
                          "unshare_net",
                          "unshare_time",
                          "setns",
                          "clone_newuser",
                          "tiocsti",
                          "tiocsti_highbits"})
        EXPECT_EQ(r[k], "EPERM") << k;
    EXPECT_EQ(r["clone3"], "ENOSYS");
    EXPECT_EQ(r["personality_aslr_off"], "ENOSYS");
    EXPECT_EQ(r["socket_alg"], "EAFNOSUPPORT");
    EXPECT_EQ(r["socket_alg_highbits"], "EAFNOSUPPORT");
    EXPECT_EQ(r["socket_vsock"], "EAFNOSUPPORT");
    EXPECT_EQ(r["unknown_mseal"], "ENOSYS");
}

TEST_F(SeccompTest, DefaultProfileKeepsOrdinaryCallsWorking) {
    Report r = run_in_child([](Report& out) {
        auto st = seccomp::load_profile("default", guest_options());
        out["load"] = st ? "ok" : st.error().what();
        out["getpid"] = VS_OUTCOME(getpid());
        pid_t pid = fork();  // clone(SIGCHLD): no namespace flags
        if (pid == 0) _exit(7);
        int ws = 0;
        out["fork"] = pid > 0 && waitpid(pid, &ws, 0) == pid && WEXITSTATUS(ws) == 7 ? "ok" : "bad";
        out["unshare_files"] = VS_OUTCOME(unshare(CLONE_FILES | CLONE_FS));
        out["socket_unix"] = VS_OUTCOME(socket(AF_UNIX, SOCK_STREAM, 0));
        out["socket_inet"] = VS_OUTCOME(socket(AF_INET, SOCK_DGRAM, 0));
        out["socket_netlink"] = VS_OUTCOME(socket(AF_NETLINK, SOCK_RAW, 0));
        out["personality_query"] = VS_OUTCOME(personality(0xffffffff));
        out["personality_linux32"] = VS_OUTCOME(personality(PER_LINUX32));
        out["personality_linux"] = VS_OUTCOME(personality(PER_LINUX));
        int nul = open("/dev/null", O_RDWR);
        struct termios t {};
        out["tcgets"] = VS_OUTCOME(ioctl(nul, TCGETS, &t));  // ENOTTY: reached the kernel
        if (auto s = caps::read_status()) {
            out["seccomp_mode"] = std::to_string(s->seccomp);
            out["nnp"] = s->no_new_privs ? "1" : "0";
        }
    });
    EXPECT_EQ(r["load"], "ok");
    for (const char* k :
         {"getpid", "fork", "unshare_files", "socket_unix", "socket_inet", "socket_netlink",
          "personality_query", "personality_linux32", "personality_linux"})
        EXPECT_EQ(r[k], "ok") << k;
    EXPECT_EQ(r["tcgets"], "ENOTTY");
    EXPECT_EQ(r["seccomp_mode"], "2");
    EXPECT_EQ(r["nnp"], "0");  // the profile leaves no_new_privs to the runtime
}

// CAP_SYS_BOOT is in util-vserver's set, so reboot(2) passes the filter; inside the guest's pid
// namespace it only ends the namespace's init, with SIGHUP for a restart (pid_namespaces(7)).
TEST_F(SeccompTest, RebootInsideAPidNamespaceEndsOnlyItsInit) {
    Report r = run_in_child([](Report& out) {
        if (unshare(CLONE_NEWPID) != 0) {
            out["setup"] = "unshare pid ns failed";
            return;
        }
        pid_t pid = fork();
        if (pid == 0) {
            // Guard: never call reboot unless we really are the init of a new pid namespace.
            if (getpid() != 1) _exit(98);
            if (!seccomp::load_profile("default", guest_options())) _exit(97);
            syscall(SYS_reboot, 0xfee1dead, 0x28121969, 0x01234567 /*RESTART*/, nullptr);
            _exit(99);
        }
        int ws = 0;
        waitpid(pid, &ws, 0);
        out["status"] = WIFSIGNALED(ws) ? "signal " + std::to_string(WTERMSIG(ws))
                                        : "exit " + std::to_string(WEXITSTATUS(ws));
    });
    EXPECT_EQ(r["status"], "signal " + std::to_string(SIGHUP)) << r["setup"];
}

TEST_F(SeccompTest, CompatAbisAreFilteredToo) {
    Report r = run_in_child([](Report& out) {
        if (!testing::private_mount_ns()) return;
        // Before the filter: i386 calls reach the kernel (CONFIG_IA32_EMULATION).
        out["pre_getpid32"] = int80_outcome(k32Getpid);
        auto st = seccomp::load_profile("default", guest_options());
        out["load"] = st ? "ok" : st.error().what();
        out["getpid32"] = int80(k32Getpid) == getpid() ? "ok" : "bad";
        out["mount32"] = int80_outcome(k32Mount);
        out["kexec_load32"] = int80_outcome(k32KexecLoad);
        out["keyctl32"] = int80_outcome(k32Keyctl, 0, -3, 0);
        out["unshare32"] = int80_outcome(k32Unshare, CLONE_NEWUSER);
        out["open_by_handle_at32"] = int80_outcome(k32OpenByHandleAt, -1);
        out["bpf32"] = int80_outcome(k32Bpf, 5);
        out["init_module32"] = int80_outcome(k32InitModule);
        // x32: the same syscall numbers with bit 30 set, under the x86_64 audit arch.
        out["mount_x32"] = VS_OUTCOME(syscall(kX32 | SYS_mount, "none", "/mnt", "tmpfs", 0, 0));
        out["keyctl_x32"] = VS_OUTCOME(syscall(kX32 | SYS_keyctl, 0, -3, 0));
        out["unshare_x32"] = VS_OUTCOME(syscall(kX32 | SYS_unshare, CLONE_NEWUSER));
    });
    EXPECT_EQ(r["pre_getpid32"], "ok");
    EXPECT_EQ(r["load"], "ok");
    EXPECT_EQ(r["getpid32"], "ok");
    for (const char* k : {"mount32", "kexec_load32", "keyctl32", "unshare32", "open_by_handle_at32",
                          "bpf32", "init_module32"})
        EXPECT_EQ(r[k], "EPERM") << k;
    // x32: the filter's own EPERM where the kernel runs the ABI; where it does not, the filter
    // leaves x32 out and answers ENOSYS, as the kernel would (and the process is not killed).
    const char* x32_want = seccomp::kernel_runs_x32() ? "EPERM" : "ENOSYS";
    for (const char* k : {"mount_x32", "keyctl_x32", "unshare_x32"}) EXPECT_EQ(r[k], x32_want) << k;
}

TEST_F(SeccompTest, NestingAndCapabilitiesUnlockTheirCalls) {
    Report r = run_in_child([](Report& out) {
        if (!testing::private_mount_ns()) return;
        auto o = guest_options();
        o.allow_nesting = true;
        o.caps |= uint64_t{1} << CAP_SYS_ADMIN;
        auto st = seccomp::load_profile("default", o);
        out["load"] = st ? "ok" : st.error().what();
        out["mount"] = VS_OUTCOME(mount("none", "/mnt", "tmpfs", 0, nullptr));
        out["umount"] = VS_OUTCOME(umount2("/mnt", 0));
        out["unshare_user"] = VS_OUTCOME(unshare(CLONE_NEWUSER));
        out["clone3"] = VS_OUTCOME(syscall(SYS_clone3, nullptr, 0));  // EFAULT/EINVAL: kernel
        out["kexec_file_load"] = VS_OUTCOME(syscall(SYS_kexec_file_load, -1, -1, 0, "", 0));
    });
    EXPECT_EQ(r["load"], "ok");
    EXPECT_EQ(r["mount"], "ok");
    EXPECT_EQ(r["umount"], "ok");
    EXPECT_EQ(r["unshare_user"], "ok");
    EXPECT_NE(r["clone3"], "ENOSYS");
    EXPECT_NE(r["clone3"], "ok");
    EXPECT_EQ(r["kexec_file_load"], "EPERM");  // never unlocked
}

TEST_F(SeccompTest, UnconfinedInstallsNothingAndUnknownNamesFail) {
    Report r = run_in_child([](Report& out) {
        auto st = seccomp::load_profile("unconfined");
        out["load"] = st ? "ok" : st.error().what();
        auto bad = seccomp::load_profile("strict");
        out["bad"] = bad ? "ok" : bad.error().what();
        if (auto s = caps::read_status()) out["seccomp_mode"] = std::to_string(s->seccomp);
    });
    EXPECT_EQ(r["load"], "ok");
    EXPECT_NE(r["bad"].find("unknown seccomp profile \"strict\""), std::string::npos) << r["bad"];
    EXPECT_EQ(r["seccomp_mode"], "0");
}

// The contract in profile.hpp: without no_new_privs, installing the filter needs CAP_SYS_ADMIN,
// so the runtime loads it before caps::apply_in_child drops that capability.
TEST_F(SeccompTest, LoadNeedsSysAdminOrNoNewPrivs) {
    Report r = run_in_child([](Report& out) {
        auto c = caps::apply_in_child(spec::Caps{spec::default_bounding_set(), {}});
        out["caps"] = c ? "ok" : c.error().what();
        auto st = seccomp::load_profile("default", guest_options());
        out["load_without_nnp"] = st ? "ok" : outcome(-1, st.error().code);
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        st = seccomp::load_profile("default", guest_options());
        out["load_with_nnp"] = st ? "ok" : st.error().what();
    });
    EXPECT_EQ(r["caps"], "ok");
    EXPECT_EQ(r["load_without_nnp"], "EACCES");
    EXPECT_EQ(r["load_with_nnp"], "ok");
}

// The order the runtime uses: compile (cached) in the parent; in the child load the program,
// then capabilities, then exec of the guest's init.
TEST_F(SeccompTest, FilterThenCapsThenExec) {
    auto mask = caps::kernel_mask();
    ASSERT_TRUE(mask);
    char tmpl[] = "/tmp/vs-seccomp-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::string cache = std::string(tmpl) + "/cache";
    auto prog = seccomp::compile_cached("default", guest_options(), cache);
    ASSERT_TRUE(prog) << prog.error().what();
    auto res = testing::exec_in_child(
        [&] {
            auto st = seccomp::load_program(*prog);
            if (!st) return st.error().what();
            auto c = caps::apply_in_child(spec::Caps{spec::default_bounding_set(), {}});
            return c ? std::string() : c.error().what();
        },
        {"/bin/cat", "/proc/self/status"});
    ASSERT_TRUE(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) << res.output;
    auto s = caps::parse_status(res.output);
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(s->seccomp, 2);
    EXPECT_EQ(caps::format_mask(s->bounding),
              caps::format_mask(spec::default_bounding_set() & *mask));
    EXPECT_EQ(s->inheritable, 0u);
    EXPECT_EQ(s->ambient, 0u);
    std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace vs
