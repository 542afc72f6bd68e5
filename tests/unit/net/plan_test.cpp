// make_plan: modes, names, prefixes, gateways and refusals computed from interfaces/.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>

#include "net/net_state.hpp"
#include "net/plan.hpp"

namespace {

using namespace vs;
using namespace vs::net;

spec::Interface iface(std::string id, std::string ip, std::string dev = "", std::string name = "") {
    spec::Interface i;
    i.id = std::move(id);
    i.ip = std::move(ip);
    i.dev = std::move(dev);
    i.name = std::move(name);
    return i;
}

Result<std::string> kinds(const std::string& dev) {
    if (dev == "br0") return std::string("bridge");
    if (dev == "eth0" || dev == "lan0") return std::string("");
    return make_error(ENODEV, "network device \"{}\" not found", dev);
}

spec::GuestSpec guest(std::vector<spec::Interface> ifs) {
    spec::GuestSpec g;
    g.name = "web1";
    g.interfaces = std::move(ifs);
    return g;
}

TEST(Plan, NoInterfacesMeansLoopbackOnly) {
    auto p = make_plan(guest({}), kinds);
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_TRUE(p->netns);
    EXPECT_TRUE(p->links.empty());
    EXPECT_TRUE(p->guest_addrs.empty());
}

TEST(Plan, DefaultModeFollowsTheDeviceKind) {
    auto p = make_plan(guest({iface("0", "192.0.2.5", "br0"), iface("1", "198.51.100.5", "eth0")}),
                       kinds);
    ASSERT_TRUE(p) << p.error().what();
    ASSERT_EQ(p->links.size(), 2u);
    EXPECT_EQ(p->links[0].mode, Mode::Veth);
    EXPECT_EQ(p->links[0].guest_name, "eth0");
    EXPECT_EQ(p->links[0].host_name, host_link_name("web1", 0));
    EXPECT_EQ(p->links[1].mode, Mode::Macvlan);
    EXPECT_EQ(p->links[1].guest_name, "eth1");
    EXPECT_TRUE(p->links[1].host_name.empty());
    EXPECT_EQ(p->links[0].addrs[0].to_string(), "192.0.2.5/24");  // documented default
}

TEST(Plan, DefaultDevAndPrefixComeFromInterfacesDir) {
    auto g = guest({iface("0", "192.0.2.5")});
    g.default_dev = "br0";
    g.default_prefix = 28;
    auto p = make_plan(g, kinds);
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->links[0].dev, "br0");
    EXPECT_EQ(p->links[0].addrs[0].prefix, 28);
}

TEST(Plan, NoDevIsARoutedVeth) {
    auto p = make_plan(guest({iface("0", "192.0.2.5")}), kinds);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->links[0].mode, Mode::Veth);
    EXPECT_TRUE(p->links[0].dev.empty());
}

TEST(Plan, SameNameSharesALinkAndExplicitNamesAreKept) {
    auto a = iface("0", "192.0.2.5", "br0", "lan");
    auto b = iface("1", "2001:db8::5", "br0", "lan");
    b.prefix = 64;
    auto c = iface("2", "192.0.2.6", "br0");
    auto p = make_plan(guest({a, b, c}), kinds);
    ASSERT_TRUE(p) << p.error().what();
    ASSERT_EQ(p->links.size(), 2u);
    EXPECT_EQ(p->links[0].guest_name, "lan");
    EXPECT_EQ(p->links[0].addrs.size(), 2u);
    EXPECT_EQ(p->links[1].guest_name, "eth0");
    EXPECT_EQ(p->guest_addrs.size(), 3u);
}

TEST(Plan, UnnamedInterfacesOnOneDeviceShareEth0) {
    auto p =
        make_plan(guest({iface("0", "192.0.2.5", "br0"), iface("1", "192.0.2.6", "br0")}), kinds);
    ASSERT_TRUE(p);
    ASSERT_EQ(p->links.size(), 1u);
    EXPECT_EQ(p->links[0].addrs.size(), 2u);
}

TEST(Plan, ExplicitModeWinsAndMacvlanNeedsAParent) {
    auto a = iface("0", "192.0.2.5", "br0");
    a.mode = "macvlan";
    auto p = make_plan(guest({a}), kinds);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->links[0].mode, Mode::Macvlan);
    auto b = iface("0", "192.0.2.5");
    b.mode = "macvlan";
    EXPECT_FALSE(make_plan(guest({b}), kinds));
}

TEST(Plan, MissingDeviceIsNamed) {
    auto p = make_plan(guest({iface("3", "192.0.2.5", "nosuch0")}), kinds);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("interfaces/3/dev"), std::string::npos);
    EXPECT_NE(p.error().message.find("nosuch0"), std::string::npos);
}

TEST(Plan, DuplicateAddressInOneGuestIsRefused) {
    auto p =
        make_plan(guest({iface("0", "192.0.2.5", "br0"), iface("1", "192.0.2.5", "eth0")}), kinds);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("configured twice"), std::string::npos);
}

TEST(Plan, GatewaysAndMacs) {
    auto a = iface("0", "192.0.2.5", "br0");
    a.gateway = "192.0.2.1";
    a.mac = "02:00:00:00:00:05";
    auto p = make_plan(guest({a}), kinds);
    ASSERT_TRUE(p) << p.error().what();
    ASSERT_EQ(p->gateways.size(), 1u);
    EXPECT_EQ(p->gateways[0].link, "eth0");
    ASSERT_TRUE(p->links[0].mac);
    auto b = iface("1", "192.0.2.6", "br0");
    b.gateway = "192.0.2.254";
    EXPECT_FALSE(make_plan(guest({a, b}), kinds));  // two default routes
    a.mac = "zz";
    EXPECT_FALSE(make_plan(guest({a}), kinds));
}

TEST(Plan, SharedModeAddsAliasesOnlyForManagedAddresses) {
    auto a = iface("0", "192.0.2.5", "eth0", "web");
    a.mode = "shared";
    auto b = iface("1", "192.0.2.6", "eth0");
    b.mode = "shared";
    b.nodev = true;
    auto c = iface("2", "2001:db8::6");
    c.mode = "shared";
    auto g = guest({a, b, c});
    g.ns.net = false;
    auto p = make_plan(g, kinds);
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_FALSE(p->netns);
    EXPECT_TRUE(p->links.empty());
    ASSERT_EQ(p->host_addrs.size(), 1u);
    EXPECT_EQ(p->host_addrs[0].label, "eth0:web");
    EXPECT_EQ(p->guest_addrs.size(), 3u);
}

TEST(Plan, SharedModeRefusesMixingAndANamespace) {
    auto a = iface("0", "192.0.2.5", "eth0");
    a.mode = "shared";
    auto g = guest({a});
    EXPECT_FALSE(make_plan(g, kinds));  // ns.net still true
    g.ns.net = false;
    g.interfaces.push_back(iface("1", "192.0.2.9", "br0"));
    EXPECT_FALSE(make_plan(g, kinds));
}

TEST(Plan, DisabledAndNodevInterfaces) {
    auto a = iface("0", "192.0.2.5", "br0");
    a.disabled = true;
    auto b = iface("1", "192.0.2.6", "br0");
    b.nodev = true;
    auto p = make_plan(guest({a, b}), kinds);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->links.empty());
    EXPECT_EQ(p->guest_addrs.size(), 1u);  // nodev still belongs to the guest
}

TEST(Plan, PrefixFromIpTextAndBadNames) {
    auto p = make_plan(guest({iface("0", "192.0.2.5/255.255.255.128", "br0")}), kinds);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->links[0].addrs[0].prefix, 25);
    EXPECT_FALSE(make_plan(guest({iface("0", "192.0.2.5", "br0", "a-very-long-name0")}), kinds));
    EXPECT_FALSE(make_plan(guest({iface("0", "192.0.2.5", "br0", "et:h")}), kinds));
}

TEST(Plan, HostLinkNamesAreShortStableAndDistinct) {
    EXPECT_LE(host_link_name("a-rather-long-guest-name-indeed", 9).size(), 15u);
    EXPECT_EQ(host_link_name("web1", 0), host_link_name("web1", 0));
    EXPECT_NE(host_link_name("web1", 0), host_link_name("web2", 0));
    EXPECT_EQ(host_link_name("web1", 1).rfind(host_link_prefix("web1"), 0), 0u);
}

TEST(NetState, RoundTrips) {
    NetState st;
    st.init = {1234, 998877};
    st.netns = false;
    st.cgroup2 = "/sys/fs/cgroup/unified/vs test/web1";
    st.bpf = true;
    st.host_links = {"vs01234567.0"};
    st.host_addrs = {{"eth0", *parse_prefix("192.0.2.5/24")}};
    st.host_routes = {{"vs01234567.0", *parse_prefix("2001:db8::5/128")}};
    auto back = NetState::parse(st.serialize());
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(back->init.pid, 1234);
    EXPECT_EQ(back->init.start_time, 998877u);
    EXPECT_FALSE(back->netns);
    EXPECT_EQ(back->cgroup2, st.cgroup2);
    EXPECT_TRUE(back->bpf);
    EXPECT_EQ(back->host_links, st.host_links);
    EXPECT_EQ(back->host_addrs[0].addr, st.host_addrs[0].addr);
    EXPECT_EQ(back->host_routes[0].dst.to_string(), "2001:db8::5/128");
    EXPECT_FALSE(NetState::parse("bogus line\n"));
}

}  // namespace
