// Unit tests for seccomp::simulate and i386_socketcall_gap: filters compiled by libseccomp (the
// guests' default profile, OCI profiles as engines write them), run in user space.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sys/socket.h>

#include <cerrno>

#include "seccomp/oci_filter.hpp"
#include "seccomp/simulate.hpp"

namespace vs {
namespace {

using spec::oci::SeccompAction;
using spec::oci::SeccompOp;

seccomp_data call(uint32_t arch, int nr, uint64_t a0 = 0) {
    seccomp_data d{};
    d.arch = arch;
    d.nr = nr;
    d.args[0] = a0;
    return d;
}

// The shape of Docker's and podman's default profiles: errno EPERM by default, socket allowed
// unless its family is AF_VSOCK, socketcall allowed outright, for the three x86 ABIs.
spec::oci::Seccomp engine_profile() {
    spec::oci::Seccomp s;
    s.default_action = SeccompAction::Errno;
    s.default_errno_ret = EPERM;
    s.architectures = {"x86_64", "x86", "x32"};
    spec::oci::SeccompRule allow;
    allow.names = {"read", "write", "exit_group", "socketcall"};
    allow.action = SeccompAction::Allow;
    spec::oci::SeccompRule sock;
    sock.names = {"socket"};
    sock.action = SeccompAction::Allow;
    sock.args = {{0, AF_VSOCK, 0, SeccompOp::NotEqual}};
    s.syscalls = {allow, sock};
    return s;
}

TEST(SeccompSimulate, AnswersAsTheProfileSays) {
    auto p = seccomp::compile_oci(engine_profile());
    ASSERT_TRUE(p) << p.error().what();
    auto run = [&](const seccomp_data& d) {
        auto r = seccomp::simulate(*p, d);
        EXPECT_TRUE(r) << r.error().what();
        return r ? *r : 0u;
    };
    EXPECT_EQ(run(call(AUDIT_ARCH_X86_64, 0)), SECCOMP_RET_ALLOW);  // read
    EXPECT_EQ(run(call(AUDIT_ARCH_X86_64, 41, AF_INET)), SECCOMP_RET_ALLOW);
    EXPECT_EQ(run(call(AUDIT_ARCH_X86_64, 41, AF_VSOCK)), SECCOMP_RET_ERRNO | EPERM);
    EXPECT_EQ(run(call(AUDIT_ARCH_X86_64, 165)), SECCOMP_RET_ERRNO | EPERM);  // mount
    EXPECT_EQ(run(call(AUDIT_ARCH_I386, 359, AF_VSOCK)), SECCOMP_RET_ERRNO | EPERM);
    EXPECT_EQ(run(call(AUDIT_ARCH_I386, 102, 1)), SECCOMP_RET_ALLOW);  // socketcall(SOCKET)
    // An architecture the profile leaves out is killed (libseccomp's bad-arch action).
    EXPECT_EQ(run(call(AUDIT_ARCH_AARCH64, 0)) & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_KILL_THREAD);
}

TEST(SeccompSimulate, AnEngineProfileLeavesAVsockGapThroughSocketcall) {
    auto p = seccomp::compile_oci(engine_profile());
    ASSERT_TRUE(p) << p.error().what();
    auto gap = seccomp::i386_socketcall_gap(*p);
    ASSERT_TRUE(gap) << gap.error().what();
    for (int f = 0; f < seccomp::kSocketFamilies; ++f)
        EXPECT_EQ((*gap)[f], f == AF_VSOCK ? EPERM : 0) << "family " << f;
}

TEST(SeccompSimulate, NoGapWithoutI386OrWhenSocketcallIsRefused) {
    auto s = engine_profile();
    s.architectures = {"x86_64"};
    auto p = seccomp::compile_oci(s);
    ASSERT_TRUE(p) << p.error().what();
    auto gap = seccomp::i386_socketcall_gap(*p);
    ASSERT_TRUE(gap) << gap.error().what();
    for (auto e : *gap) EXPECT_EQ(e, 0);

    s = engine_profile();  // neither socket nor socketcall: every family refused on every path
    s.syscalls.resize(1);
    s.syscalls[0].names = {"read", "write", "exit_group"};
    p = seccomp::compile_oci(s);
    ASSERT_TRUE(p) << p.error().what();
    gap = seccomp::i386_socketcall_gap(*p);
    ASSERT_TRUE(gap) << gap.error().what();
    for (auto e : *gap) EXPECT_EQ(e, 0);
}

// A profile that never names socketcall still opens it: libseccomp turns the i386 socket rule
// into socketcall(SYS_SOCKET, ...) as well, where it cannot check the family behind the pointer.
TEST(SeccompSimulate, LibseccompOpensSocketcallForAFamilyRuleOnSocket) {
    auto s = engine_profile();
    s.syscalls[0].names = {"read", "write", "exit_group"};
    auto p = seccomp::compile_oci(s);
    ASSERT_TRUE(p) << p.error().what();
    auto gap = seccomp::i386_socketcall_gap(*p);
    ASSERT_TRUE(gap) << gap.error().what();
    for (int f = 0; f < seccomp::kSocketFamilies; ++f)
        EXPECT_EQ((*gap)[f], f == AF_VSOCK ? EPERM : 0) << "family " << f;
}

// The guests' own profile: the gap it leaves is exactly what the socket guard program refuses
// (bpf/sock_families.bpf.c), with the same errno.
TEST(SeccompSimulate, TheDefaultProfilesGapIsWhatTheGuestGuardRefuses) {
    auto p = seccomp::compile("default", {});
    ASSERT_TRUE(p) << p.error().what();
    auto gap = seccomp::i386_socketcall_gap(*p);
    ASSERT_TRUE(gap) << gap.error().what();
    for (int f = 0; f < seccomp::kSocketFamilies; ++f) {
        bool refused = f == AF_ALG || f == AF_VSOCK || f >= 46;
        EXPECT_EQ((*gap)[f], refused ? EAFNOSUPPORT : 0) << "family " << f;
    }
}

TEST(SeccompSimulate, RefusesWhatTheKernelWouldNotRun) {
    seccomp::Program p;
    p.insns = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 62)};  // unaligned load
    EXPECT_FALSE(seccomp::simulate(p, call(AUDIT_ARCH_X86_64, 0)));
    p.insns = {BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0), BPF_STMT(BPF_RET | BPF_K, 0)};
    EXPECT_FALSE(seccomp::simulate(p, call(AUDIT_ARCH_X86_64, 0)));  // jump past the end
    p.insns = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};               // no return
    EXPECT_FALSE(seccomp::simulate(p, call(AUDIT_ARCH_X86_64, 0)));
    p.insns = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),
               BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
               BPF_STMT(BPF_ST, 3),
               BPF_STMT(BPF_LDX | BPF_MEM, 3),
               BPF_STMT(BPF_MISC | BPF_TXA, 0),
               BPF_STMT(BPF_RET | BPF_A, 0)};
    auto r = seccomp::simulate(p, call(AUDIT_ARCH_X86_64, 0, 0x1234));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0x34u);
}

}  // namespace
}  // namespace vs
