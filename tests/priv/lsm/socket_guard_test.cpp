// The BPF LSM socket guard on a scratch cgroup2 node: a forked child in that node tries the
// refused families through socket(2) and i386 socketcall(2) (no seccomp filter here, so the
// guard alone answers), then the same after the guard is detached.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "bpf/glue.hpp"
#include "lsm/socket_guard.hpp"

namespace vs::lsm {
namespace {

// i386 socketcall(SYS_SOCKET, args) through int $0x80; `args` must be addressable in 32 bits.
long socketcall32(const uint32_t* args) {
    long ret;
    asm volatile("int $0x80"
                 : "=a"(ret)
                 : "a"(102L), "b"(1L), "c"(reinterpret_cast<uintptr_t>(args))
                 : "r8", "r9", "r10", "r11", "memory");
    return ret;
}

// What each attempt gave: 0 for a socket, else the errno.
struct Outcome {
    int native_vsock = -1, native_alg = -1, i386_vsock = -1, i386_alg = -1, inet = -1;
};

int try_native(int family, int type) {
    int s = ::socket(family, type | SOCK_CLOEXEC, 0);
    if (s < 0) return errno;
    ::close(s);
    return 0;
}

int try_i386(uint32_t* args, int family, int type) {
    args[0] = static_cast<uint32_t>(family);
    args[1] = static_cast<uint32_t>(type);
    args[2] = 0;
    long r = socketcall32(args);
    if (r < 0) return static_cast<int>(-r);
    ::close(static_cast<int>(r));
    return 0;
}

std::string cgroup2_root() {
    for (const char* p : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
        struct statfs sf {};
        if (::statfs(p, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) return p;
    }
    return {};
}

class SocketGuard : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root";
        std::string root = cgroup2_root();
        if (root.empty()) GTEST_SKIP() << "no cgroup2 hierarchy";
        char tmpl[] = "/tmp/vstest-lsm.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        tmp_ = tmpl;
        support_ = support(tmp_ + "/support");
        if (!support_.usable) {
            EXPECT_FALSE(support_.reason.empty());
            GTEST_SKIP() << "the kernel cannot run the socket guard: " << support_.reason;
        }
        std::random_device rd;
        // A parent and a guest below it, as the runtime's <parent>/<name>: the parent gets the
        // anchor.
        parent_ = fmt::format("{}/vstest-lsm-{:08x}", root, rd());
        ASSERT_TRUE(std::filesystem::create_directory(parent_));
        cg_ = parent_ + "/g1";
        ASSERT_TRUE(std::filesystem::create_directory(cg_));
        args_ = static_cast<uint32_t*>(::mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
                                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0));
        ASSERT_NE(args_, MAP_FAILED);
    }
    void TearDown() override {
        if (args_ && args_ != MAP_FAILED) ::munmap(args_, 4096);
        if (!cg_.empty()) ::rmdir(cg_.c_str());
        if (!parent_.empty()) ::rmdir(parent_.c_str());
        if (!tmp_.empty()) std::filesystem::remove_all(tmp_);
    }

    // The attempts, from a child that first moves itself into `cgroup` ("" = stay here).
    Outcome attempts(const std::string& cgroup) {
        int p[2];
        EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
        pid_t pid = ::fork();
        if (pid == 0) {
            if (!cgroup.empty()) {
                std::ofstream(cgroup + "/cgroup.procs") << "0\n";
                std::ifstream self("/proc/self/cgroup");
                std::string all((std::istreambuf_iterator<char>(self)), {});
                if (all.find(std::filesystem::path(cgroup).filename().string()) ==
                    std::string::npos)
                    ::_exit(2);
            }
            Outcome o;
            o.native_vsock = try_native(AF_VSOCK, SOCK_STREAM);
            o.native_alg = try_native(AF_ALG, SOCK_SEQPACKET);
            o.i386_vsock = try_i386(args_, AF_VSOCK, SOCK_STREAM);
            o.i386_alg = try_i386(args_, AF_ALG, SOCK_SEQPACKET);
            o.inet = try_native(AF_INET, SOCK_DGRAM);
            ::_exit(::write(p[1], &o, sizeof o) == sizeof o ? 0 : 1);
        }
        ::close(p[1]);
        Outcome o;
        EXPECT_EQ(::read(p[0], &o, sizeof o), static_cast<ssize_t>(sizeof o));
        ::close(p[0]);
        int st = 0;
        ::waitpid(pid, &st, 0);
        EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "child status " << st;
        return o;
    }

    // The policy guards on cg_, by id.
    std::vector<uint32_t> policies() {
        std::vector<uint32_t> ids;
        auto fd = bpf::open_cgroup(cg_);
        EXPECT_TRUE(fd);
        auto progs = bpf::attached(fd->get(), BPF_LSM_CGROUP, "vs_sock_policy");
        EXPECT_TRUE(progs) << progs.error().what();
        for (const auto& p : *progs) ids.push_back(p.id);
        return ids;
    }

    Support support_;
    std::string tmp_, parent_, cg_;
    uint32_t* args_ = nullptr;
};

TEST_F(SocketGuard, RefusesTheFamiliesOnEveryAbiAndOnlyThem) {
    for (int round = 0; round < 2; ++round) {  // the second keeps the first's, attaches none
        auto a = attach(cg_, tmp_ + "/support");
        ASSERT_TRUE(a) << a.error().what();
        EXPECT_TRUE(*a);
    }
    auto on = attached(cg_);
    ASSERT_TRUE(on) << on.error().what();
    EXPECT_TRUE(*on);
    // The parent holds only the always-allow anchor, not the guard.
    auto up = attached(parent_);
    ASSERT_TRUE(up) << up.error().what();
    EXPECT_FALSE(*up);
    Outcome in = attempts(cg_);
    EXPECT_EQ(in.native_vsock, EAFNOSUPPORT);
    EXPECT_EQ(in.native_alg, EAFNOSUPPORT);
    EXPECT_EQ(in.i386_vsock, EAFNOSUPPORT);
    EXPECT_EQ(in.i386_alg, EAFNOSUPPORT);
    EXPECT_EQ(in.inet, 0);

    // Outside the cgroup, and inside it once the guard is gone, the kernel's own answer: a
    // socket where this kernel has the family (built in or a loaded module).
    Outcome out = attempts("");
    auto d = detach(cg_);
    ASSERT_TRUE(d) << d.error().what();
    on = attached(cg_);
    ASSERT_TRUE(on) << on.error().what();
    EXPECT_FALSE(*on);
    Outcome bare = attempts(cg_);
    EXPECT_EQ(bare.i386_vsock, out.i386_vsock);
    EXPECT_EQ(bare.i386_alg, out.i386_alg);
    if (out.i386_vsock != 0 && out.i386_alg != 0)
        GTEST_SKIP() << "neither AF_VSOCK nor AF_ALG exists in this kernel: the guard's refusal "
                        "was checked, not that it is the only one refusing";
}

// The generated guard of an OCI container: exactly the families and errnos it is given
// (AF_VSOCK with EPERM here, as an engine's profile says), AF_ALG and AF_INET left alone.
TEST_F(SocketGuard, AGuardFromAProfileRefusesItsFamiliesWithItsErrnos) {
    Outcome out = attempts("");
    FamilyErrnos e{};
    e[AF_VSOCK] = EPERM;
    auto cg = bpf::open_cgroup(cg_);
    ASSERT_TRUE(cg) << cg.error().what();
    auto a = set_families(cg_, cg->get(), support_, e, [](uint32_t) { return true; });
    ASSERT_TRUE(a) << a.error().what();
    EXPECT_NE(a->id, 0u);
    EXPECT_TRUE(a->replaced.empty());
    EXPECT_EQ(policies(), std::vector<uint32_t>{a->id});
    Outcome in = attempts(cg_);
    EXPECT_EQ(in.native_vsock, EPERM);
    EXPECT_EQ(in.i386_vsock, EPERM);
    EXPECT_EQ(in.native_alg, out.native_alg);
    EXPECT_EQ(in.i386_alg, out.i386_alg);
    EXPECT_EQ(in.inet, 0);
    auto d = detach_families(cg_, cg->get(), a->id);
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_TRUE(policies().empty());
    Outcome bare = attempts(cg_);
    EXPECT_EQ(bare.i386_vsock, out.i386_vsock);
}

// Containers sharing one cgroup: a guard is added beside the others (each refuses what it
// refuses), replaces only one the caller picks (an owner with no process left), its undo puts
// that one back, and a detach by an id no longer there leaves the guard that replaced it.
TEST_F(SocketGuard, GuardsStayBesideEachOtherButOneTheCallerPicksIsReplaced) {
    auto cg = bpf::open_cgroup(cg_);
    ASSERT_TRUE(cg) << cg.error().what();
    auto none = [](uint32_t) { return false; };
    FamilyErrnos first{}, second{}, third{};
    first[AF_VSOCK] = EPERM;
    second[AF_ALG] = EACCES;
    third[AF_VSOCK] = EACCES;
    auto a = set_families(cg_, cg->get(), support_, first, none);
    ASSERT_TRUE(a) << a.error().what();
    auto b = set_families(cg_, cg->get(), support_, second, none);
    ASSERT_TRUE(b) << b.error().what();
    EXPECT_TRUE(b->replaced.empty());
    auto both = policies();
    std::sort(both.begin(), both.end());
    EXPECT_EQ(both, (std::vector<uint32_t>{a->id, b->id}));
    Outcome in = attempts(cg_);
    EXPECT_EQ(in.i386_vsock, EPERM);
    EXPECT_EQ(in.i386_alg, EACCES);
    // The second container's delete leaves the first's guard.
    ASSERT_TRUE(detach_families(cg_, cg->get(), b->id));
    EXPECT_EQ(policies(), std::vector<uint32_t>{a->id});
    auto c =
        set_families(cg_, cg->get(), support_, third, [&](uint32_t id) { return id == a->id; });
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_EQ(c->replaced.size(), 1u);
    EXPECT_EQ(policies(), std::vector<uint32_t>{c->id});
    EXPECT_EQ(attempts(cg_).i386_vsock, EACCES);
    // The first container's delete: its guard is gone already, the third's stays.
    ASSERT_TRUE(detach_families(cg_, cg->get(), a->id));
    EXPECT_EQ(policies(), std::vector<uint32_t>{c->id});
    // A failed create of the third: the first's guard comes back.
    ASSERT_TRUE(undo_families(cg_, cg->get(), std::move(*c)));
    EXPECT_EQ(policies(), std::vector<uint32_t>{a->id});
    EXPECT_EQ(attempts(cg_).i386_vsock, EPERM);
    ASSERT_TRUE(detach_families(cg_, cg->get(), a->id));
    EXPECT_TRUE(policies().empty());
}

}  // namespace
}  // namespace vs::lsm
