// Live re-addressing of a running guest (its service keeps running and answers on the new
// address; a failure changes nothing) and 500 setup/teardown cycles leaking nothing.
#include <dirent.h>
#include <gtest/gtest.h>

#include <random>

#include "net/conflicts.hpp"
#include "net/plan.hpp"
#include "net/shared_bpf.hpp"
#include "priv/net/net_fixture.hpp"
#include "priv/vm_marks.hpp"

namespace vs::net::testing {
namespace {

class LiveNetwork : public NetTest {};

// A guest service: a child in the guest's netns answering every TCP connection on port 8090
// of any address, until killed.
pid_t start_service(int nsfd) {
    int ready[2];
    if (::pipe(ready) < 0) return -1;
    pid_t p = ::fork();
    if (p == 0) {
        ::close(ready[0]);
        if (::setns(nsfd, CLONE_NEWNET) < 0) ::_exit(1);
        int l = tcp_listen("0.0.0.0", 8090);
        (void)!::write(ready[1], "x", 1);
        for (;;) {
            int c = ::accept(l, nullptr, nullptr);
            if (c >= 0) ::close(c);
        }
    }
    ::close(ready[1]);
    char c;
    (void)!::read(ready[0], &c, 1);
    ::close(ready[0]);
    return p;
}

TEST_F(LiveNetwork, ReaddressingKeepsTheServiceWhichAnswersOnTheNewAddress) {
    VS_NO_CGROUP();
    FakeGuest a;
    auto g = guest("live", {iface("0", "192.0.2.90")});
    ASSERT_TRUE(setup_guest(g, ctx("live", a.pid())));
    pid_t svc = start_service(a.ns());
    ASSERT_GT(svc, 0);
    EXPECT_EQ(tcp_connect("192.0.2.90", 8090), 0);

    auto g2 = guest("live", {iface("0", "192.0.2.91")});
    auto r = apply_live(g, g2, ctx("live", a.pid()));
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(addrs_of(a.ns(), "eth0"), std::vector<std::string>{"192.0.2.91/24"});
    EXPECT_EQ(::kill(svc, 0), 0) << "the service is still running";
    EXPECT_EQ(tcp_connect("192.0.2.91", 8090), 0);
    EXPECT_NE(tcp_connect("192.0.2.90", 8090, 300), 0);
    // The claim moved with the address.
    EXPECT_TRUE(check_address_conflicts(ConflictScope{{}, ctx_base_.run_base},
                                        guest("x", {iface("0", "192.0.2.90")})));
    EXPECT_FALSE(check_address_conflicts(ConflictScope{{}, ctx_base_.run_base},
                                         guest("x", {iface("0", "192.0.2.91")})));

    // Adding a second link and a gateway live, then removing it again.
    auto i1 = iface("1", "192.0.2.92");
    i1.name = "eth1";
    i1.gateway = "192.0.2.1";
    auto g3 = guest("live", {iface("0", "192.0.2.91"), i1});
    r = apply_live(g2, g3, ctx("live", a.pid()));
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(addrs_of(a.ns(), "eth1"), std::vector<std::string>{"192.0.2.92/24"});
    EXPECT_EQ(tcp_connect("192.0.2.92", 8090), 0);
    r = apply_live(g3, g2, ctx("live", a.pid()));
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_TRUE(addrs_of(a.ns(), "eth1").empty());
    EXPECT_FALSE(netlink::Socket::open()->link_by_name(host_link_name("live", 1)));

    ::kill(svc, SIGKILL);
    ::waitpid(svc, nullptr, 0);
    EXPECT_TRUE(teardown_guest(g2, ctx("live", a.pid())));
}

TEST_F(LiveNetwork, AFailedChangeLeavesTheGuestAsItWas) {
    VS_NO_CGROUP();
    ASSERT_EQ(run("ip link add lan0 type veth peer name lan0p"), 0);
    FakeGuest a;
    auto g = guest("undo", {iface("0", "192.0.2.93")});
    ASSERT_TRUE(setup_guest(g, ctx("undo", a.pid())));
    auto before = counts_here();
    // The new address on eth0 goes in first; then eth1 fails (lan0 is no bridge): undo all.
    auto bad = iface("1", "192.0.2.95", "lan0", "veth");
    bad.name = "eth1";
    auto g2 = guest("undo", {iface("0", "192.0.2.93"), iface("2", "192.0.2.94"), bad});
    auto r = apply_live(g, g2, ctx("undo", a.pid()));
    ASSERT_FALSE(r);
    EXPECT_EQ(addrs_of(a.ns(), "eth0"), std::vector<std::string>{"192.0.2.93/24"});
    EXPECT_TRUE(addrs_of(a.ns(), "eth1").empty());
    EXPECT_EQ(counts_here(), before);
    // Claims are back to the old set.
    EXPECT_TRUE(check_address_conflicts(ConflictScope{{}, ctx_base_.run_base},
                                        guest("x", {iface("0", "192.0.2.94")})));
    // A conflicting change is refused before anything happens.
    auto g3 = guest("undo", {iface("0", "192.0.2.1")});
    r = apply_live(g, g3, ctx("undo", a.pid()));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("present on the host"), std::string::npos);
    EXPECT_EQ(addrs_of(a.ns(), "eth0"), std::vector<std::string>{"192.0.2.93/24"});
    EXPECT_TRUE(teardown_guest(g, ctx("undo", a.pid())));
}

// Network namespaces this process holds open (a leaked fd would pin a guest's netns forever).
size_t count_netns() {
    size_t n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    while (dirent* e = ::readdir(d)) {
        char buf[64];
        ssize_t len =
            ::readlink(fmt::format("/proc/self/fd/{}", e->d_name).c_str(), buf, sizeof buf);
        if (len > 4 && std::string(buf, 4) == "net:") ++n;
    }
    ::closedir(d);
    return n;
}

// BPF programs are freed asynchronously after their last reference goes: wait for the count.
int settled_prog_count(int want) {
    int n = 0;
    for (int i = 0; i < 200; ++i) {
        n = *shared_bpf::loaded_program_count();
        if (n == want) break;
        ::usleep(10000);
    }
    return n;
}

TEST_F(LiveNetwork, FiveHundredVethCyclesLeakNothing) {
    // veth, addresses and routes in a netns: netlink only, the same on every cgroup version.
    VS_NO_CGROUP();
    constexpr int kCycles = 500;
    auto before = counts_here();
    size_t ns_before = count_netns();

    auto i0 = iface("0", "192.0.2.96");
    i0.gateway = "192.0.2.1";
    auto veth = guest("cyc", {i0, iface("1", "2001:db8::96")});
    for (int k = 0; k < kCycles; ++k) {
        FakeGuest g;
        auto r = setup_guest(veth, ctx("cyc", g.pid()));
        ASSERT_TRUE(r) << "cycle " << k << ": " << r.error().what();
        auto t = teardown_guest(veth, ctx("cyc", g.pid()));
        ASSERT_TRUE(t) << "cycle " << k << ": " << t.error().what();
    }
    EXPECT_EQ(counts_here(), before);
    EXPECT_EQ(count_netns(), ns_before);
}

// Shared mode attaches its BPF programs to the guest's cgroup: cgroup v2 code, so the VM runs
// this half.
TEST_F(LiveNetwork, FiveHundredSharedCyclesLeakNothing) {
    constexpr int kCycles = 500;
    auto before = counts_here();
    int progs_before = *shared_bpf::loaded_program_count();

    std::random_device rd;
    std::string parent = fmt::format("/sys/fs/cgroup/unified/vstest-net-{:08x}", rd());
    std::string cg = parent + "/cyc";
    ASSERT_TRUE(std::filesystem::create_directories(cg));
    auto shared = guest("cycs", {iface("0", "192.0.2.97", "br0", "shared")});
    shared.ns.net = false;
    for (int k = 0; k < kCycles; ++k) {
        auto r = setup_guest(shared, ctx("cycs", -1, cg));
        ASSERT_TRUE(r) << "cycle " << k << ": " << r.error().what();
        auto t = teardown_guest(shared, ctx("cycs", -1, cg));
        ASSERT_TRUE(t) << "cycle " << k << ": " << t.error().what();
    }
    ::rmdir(cg.c_str());
    ::rmdir(parent.c_str());
    EXPECT_EQ(counts_here(), before);
    EXPECT_EQ(settled_prog_count(progs_before), progs_before);
}

}  // namespace
}  // namespace vs::net::testing
