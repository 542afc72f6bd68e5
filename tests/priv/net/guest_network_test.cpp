// setup_guest / teardown_guest in throwaway namespaces: veth on a bridge, macvlan on a parent,
// names, gateways, refusal of duplicates on every path, and cleanup.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/capability.h>

#include <atomic>
#include <cerrno>

#include "net/conflicts.hpp"
#include "net/net_state.hpp"
#include "net/plan.hpp"
#include "priv/net/net_fixture.hpp"
#include "priv/vm_marks.hpp"

namespace vs::net::testing {
namespace {

// veth, macvlan, addresses, routes and address claims: netlink and the state files, no cgroup
// code (shared mode's cgroup BPF is SharedMode's), so the cgroup-v2 VM leaves these to the host.
class GuestNetwork : public NetTest {
protected:
    void SetUp() override {
        VS_NO_CGROUP();
        NetTest::SetUp();
    }
};

// Serves one TCP connection in the netns of `g` on ip:port, answering "pong".
struct Server {
    std::thread t;
    std::atomic<bool> ready{false};
    Server(int nsfd, const std::string& ip, uint16_t port) {
        t = std::thread([=, this] {
            if (::setns(nsfd, CLONE_NEWNET) < 0) return;
            int l = tcp_listen(ip, port);
            ready = true;
            if (l < 0) return;
            pollfd p{l, POLLIN, 0};
            if (::poll(&p, 1, 5000) > 0) {
                int c = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0) {
                    (void)!::write(c, "pong", 4);
                    ::close(c);
                }
            }
            ::close(l);
        });
        while (!ready) std::this_thread::yield();
    }
    ~Server() { t.join(); }
};

TEST_F(GuestNetwork, VethGuestsOnABridgeReachEachOther) {
    FakeGuest a, b;
    ASSERT_GT(a.pid(), 0);
    ASSERT_GT(b.pid(), 0);
    auto ga = guest("ga", {iface("0", "192.0.2.10")});
    auto gb = guest("gb", {iface("0", "192.0.2.11")});
    auto ra = setup_guest(ga, ctx("ga", a.pid()));
    ASSERT_TRUE(ra) << ra.error().what();
    auto rb = setup_guest(gb, ctx("gb", b.pid()));
    ASSERT_TRUE(rb) << rb.error().what();

    // The guest sees eth0 carrying its address.
    EXPECT_EQ(addrs_of(a.ns(), "eth0"), std::vector<std::string>{"192.0.2.10/24"});
    // The host end is on the bridge.
    auto host = netlink::Socket::open();
    ASSERT_TRUE(host);
    auto he = host->link_by_name(host_link_name("ga", 0));
    ASSERT_TRUE(he) << he.error().what();
    EXPECT_EQ(he->master, host->link_by_name("br0")->index);

    Server srv(b.ns(), "192.0.2.11", 8080);
    std::string local;
    int err = in_netns(a.ns(), [&] { return tcp_connect("192.0.2.11", 8080, 3000, &local); });
    EXPECT_EQ(err, 0) << strerror(err);
    EXPECT_EQ(local, "192.0.2.10");

    EXPECT_TRUE(teardown_guest(ga, ctx("ga", a.pid())));
    EXPECT_TRUE(teardown_guest(gb, ctx("gb", b.pid())));
    EXPECT_FALSE(host->link_by_name(host_link_name("ga", 0)));
    EXPECT_FALSE(std::filesystem::exists(ctx_base_.run_base + "/ga/net.state"));
    // Idempotent.
    EXPECT_TRUE(teardown_guest(ga, ctx("ga", a.pid())));
}

TEST_F(GuestNetwork, MacvlanGuestsOnOneParentReachEachOtherAndNamesApply) {
    ASSERT_EQ(run("ip link add lan0 type veth peer name lan0p && ip link set lan0 up && "
                  "ip link set lan0p up"),
              0);
    FakeGuest a, b;
    auto ia = iface("0", "192.0.2.20", "lan0");
    ia.name = "lan";
    ia.mac = "02:00:00:00:00:20";
    auto ga = guest("ma", {ia});
    auto gb = guest("mb", {iface("0", "192.0.2.21", "lan0")});
    auto r = setup_guest(ga, ctx("ma", a.pid()));
    ASSERT_TRUE(r) << r.error().what();
    r = setup_guest(gb, ctx("mb", b.pid()));
    ASSERT_TRUE(r) << r.error().what();

    EXPECT_EQ(addrs_of(a.ns(), "lan"), std::vector<std::string>{"192.0.2.20/24"});
    auto kind = in_netns(a.ns(), [] {
        auto s = netlink::Socket::open();
        auto l = s ? s->link_by_name("lan") : Result<netlink::LinkInfo>(Error(ENODEV, "x"));
        return l ? l->kind + " " + netlink::mac_to_string(*l->mac) : std::string("none");
    });
    EXPECT_EQ(kind, "macvlan 02:00:00:00:00:20");

    Server srv(b.ns(), "192.0.2.21", 8081);
    int err = in_netns(a.ns(), [&] { return tcp_connect("192.0.2.21", 8081); });
    EXPECT_EQ(err, 0) << strerror(err);

    EXPECT_TRUE(teardown_guest(ga, ctx("ma", a.pid())));
    EXPECT_TRUE(teardown_guest(gb, ctx("mb", b.pid())));
    // teardown removed the guest's link while the guest was alive.
    EXPECT_TRUE(addrs_of(a.ns(), "lan").empty());
}

TEST_F(GuestNetwork, GatewayAndIPv6) {
    FakeGuest a;
    auto i4 = iface("0", "192.0.2.30");
    i4.gateway = "192.0.2.1";
    auto i6 = iface("1", "2001:db8::30");
    auto g = guest("gw", {i4, i6});
    auto r = setup_guest(g, ctx("gw", a.pid()));
    ASSERT_TRUE(r) << r.error().what();
    auto addrs = addrs_of(a.ns(), "eth0");
    EXPECT_NE(std::find(addrs.begin(), addrs.end(), "192.0.2.30/24"), addrs.end());
    EXPECT_NE(std::find(addrs.begin(), addrs.end(), "2001:db8::30/64"), addrs.end());
    // The default route sends traffic for anywhere to the host's bridge address.
    int here = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    {
        Server srv(here, "192.0.2.1", 8082);
        int err = in_netns(a.ns(), [&] { return tcp_connect("192.0.2.1", 8082, 3000); });
        EXPECT_EQ(err, 0) << strerror(err);
    }
    ::close(here);
    int unreachable = in_netns(a.ns(), [&] {
        // Through the default route: the host has no such address, but the route exists, so
        // the error is not ENETUNREACH (the fixture's host does not forward: a router would
        // answer with ICMP net-unreachable, which the kernel reports as ENETUNREACH too).
        return tcp_connect("198.51.100.1", 9, 200);
    });
    EXPECT_NE(unreachable, ENETUNREACH);
    EXPECT_TRUE(teardown_guest(g, ctx("gw", a.pid())));
}

TEST_F(GuestNetwork, RoutedVethWithoutABridge) {
    FakeGuest a;
    auto g = guest("rt", {iface("0", "192.0.2.40", "")});
    auto r = setup_guest(g, ctx("rt", a.pid()));
    ASSERT_TRUE(r) << r.error().what();
    // Host -> guest over the host route through the veth.
    Server srv(a.ns(), "192.0.2.40", 8083);
    EXPECT_EQ(tcp_connect("192.0.2.40", 8083), 0);
    auto before = counts_here();
    EXPECT_TRUE(teardown_guest(g, ctx("rt", a.pid())));
    auto after = counts_here();
    EXPECT_EQ(after.links + 1, before.links);
}

TEST_F(GuestNetwork, GuestWithoutCapNetAdminCannotChangeItsAddresses) {
    FakeGuest a;
    auto g = guest("nc", {iface("0", "192.0.2.50")});
    ASSERT_TRUE(setup_guest(g, ctx("nc", a.pid())));
    pid_t child = ::fork();
    if (child == 0) {
        if (::setns(a.ns(), CLONE_NEWNET) < 0) ::_exit(10);
        // The guest's default bounding set has no CAP_NET_ADMIN: drop it as the runtime does.
        cap_t c = cap_get_proc();
        cap_value_t v = CAP_NET_ADMIN;
        cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
        cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_CLEAR);
        if (cap_set_proc(c) < 0) ::_exit(11);
        auto s = netlink::Socket::open();
        if (!s) ::_exit(12);
        auto eth = s->link_by_name("eth0");
        if (!eth) ::_exit(13);
        auto m = netlink::new_addr(eth->index, *parse_prefix("192.0.2.99/24"));
        auto r = s->request(m, "add");
        if (r) ::_exit(14);
        auto d = netlink::del_addr(eth->index, *parse_prefix("192.0.2.50/24"));
        auto r2 = s->request(d, "del");
        ::_exit(!r2 && r.error().code == EPERM && r2.error().code == EPERM ? 0 : 15);
    }
    int st = 0;
    ::waitpid(child, &st, 0);
    EXPECT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
    EXPECT_EQ(addrs_of(a.ns(), "eth0"), std::vector<std::string>{"192.0.2.50/24"});
    EXPECT_TRUE(teardown_guest(g, ctx("nc", a.pid())));
}

TEST_F(GuestNetwork, FailedSetupLeavesNothingBehind) {
    FakeGuest a;
    auto before = counts_here();
    auto i0 = iface("0", "192.0.2.60");
    auto i1 = iface("1", "192.0.2.61", "lan9", "veth");  // no such bridge: fails mid-way
    auto g = guest("fs", {i0, i1});
    auto r = setup_guest(g, ctx("fs", a.pid()));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("lan9"), std::string::npos) << r.error().what();
    EXPECT_EQ(counts_here(), before);
    EXPECT_TRUE(addrs_of(a.ns(), "eth0").empty());
    EXPECT_FALSE(std::filesystem::exists(ctx_base_.run_base + "/.net-claims/192.0.2.60"));
}

// ---- duplicates ----------------------------------------------------------------------

spec::ConfiguredAddress configured(const std::string& guest, const std::string& id,
                                   const std::string& ip) {
    auto a = spec::parse_ip(ip);
    EXPECT_TRUE(a);
    return {guest, id, *a};
}

TEST_F(GuestNetwork, DuplicateConfiguredForAnotherGuestIsRefusedNamingBoth) {
    auto g = guest("me", {iface("0", "192.0.2.70")});
    ConflictScope scope{{configured("other", "3", "192.0.2.70")}, ctx_base_.run_base};
    auto r = check_address_conflicts(scope, g);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EADDRINUSE);
    EXPECT_NE(r.error().message.find("\"me\""), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("\"other\""), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("interfaces/3"), std::string::npos) << r.error().message;
    // ...and at start.
    FakeGuest a;
    auto c = ctx("me", a.pid());
    c.configured_elsewhere = scope.configured;
    EXPECT_FALSE(setup_guest(g, c));
    // The guest's own entries never conflict with it; nor does a list without the address.
    EXPECT_TRUE(check_address_conflicts(
        ConflictScope{{configured("me", "0", "192.0.2.70")}, ctx_base_.run_base}, g));
    EXPECT_TRUE(check_address_conflicts(
        ConflictScope{{configured("other", "3", "192.0.2.71")}, ctx_base_.run_base}, g));
}

TEST_F(GuestNetwork, DuplicateHeldByARunningGuestIsRefusedUntilItStops) {
    FakeGuest a, b;
    auto ga = guest("run1", {iface("0", "192.0.2.71")});
    auto gb = guest("run2", {iface("0", "192.0.2.71")});
    ASSERT_TRUE(setup_guest(ga, ctx("run1", a.pid())));
    auto r = setup_guest(gb, ctx("run2", b.pid()));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("held by running guest \"run1\""), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("\"run2\""), std::string::npos);
    EXPECT_FALSE(check_address_conflicts(ConflictScope{{}, ctx_base_.run_base}, gb));
    ASSERT_TRUE(teardown_guest(ga, ctx("run1", a.pid())));
    auto r2 = setup_guest(gb, ctx("run2", b.pid()));
    EXPECT_TRUE(r2) << r2.error().what();
    EXPECT_TRUE(teardown_guest(gb, ctx("run2", b.pid())));
}

TEST_F(GuestNetwork, StaleClaimOfADeadGuestDoesNotBlock) {
    auto ga = guest("dead", {iface("0", "192.0.2.72")});
    {
        FakeGuest a;
        ASSERT_TRUE(setup_guest(ga, ctx("dead", a.pid())));
    }  // init gone without stop
    FakeGuest b;
    auto gb = guest("alive", {iface("0", "192.0.2.72")});
    auto r = setup_guest(gb, ctx("alive", b.pid()));
    EXPECT_TRUE(r) << r.error().what();
    EXPECT_TRUE(teardown_guest(gb, ctx("alive", b.pid())));
    EXPECT_TRUE(teardown_guest(ga, ctx("dead", -1)));
}

TEST_F(GuestNetwork, AddressPresentOnTheHostIsRefused) {
    FakeGuest a;
    auto g = guest("hostdup", {iface("0", "192.0.2.1")});
    auto r = setup_guest(g, ctx("hostdup", a.pid()));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("present on the host (device br0)"), std::string::npos)
        << r.error().message;
    auto g6 = guest("hostdup6", {iface("0", "2001:db8::1")});
    EXPECT_FALSE(check_address_conflicts(ConflictScope{{}, ctx_base_.run_base}, g6));
}

TEST_F(GuestNetwork, TwoConcurrentStartsNeverBothTakeOneAddress) {
    constexpr int kRounds = 20;
    for (int round = 0; round < kRounds; ++round) {
        FakeGuest a, b;
        int go[2];
        ASSERT_EQ(::pipe(go), 0);
        std::string ip = fmt::format("192.0.2.{}", 100 + round);
        auto start = [&](const std::string& name, pid_t init) {
            pid_t p = ::fork();
            if (p == 0) {
                ::close(go[1]);
                char c;
                (void)!::read(go[0], &c, 1);  // both wait here, then race
                auto r = setup_guest(guest(name, {iface("0", ip)}), ctx(name, init));
                ::_exit(r ? 0 : 1);
            }
            return p;
        };
        pid_t p1 = start("race1", a.pid()), p2 = start("race2", b.pid());
        ::close(go[0]);
        ::close(go[1]);  // release both
        int s1 = 0, s2 = 0;
        ::waitpid(p1, &s1, 0);
        ::waitpid(p2, &s2, 0);
        int wins = (WEXITSTATUS(s1) == 0) + (WEXITSTATUS(s2) == 0);
        EXPECT_EQ(wins, 1) << "round " << round;
        (void)teardown_guest(guest("race1", {iface("0", ip)}), ctx("race1", a.pid()));
        (void)teardown_guest(guest("race2", {iface("0", ip)}), ctx("race2", b.pid()));
    }
}

}  // namespace
}  // namespace vs::net::testing
