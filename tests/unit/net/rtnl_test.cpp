// rtnetlink request builders: the exact bytes the kernel will receive, and dump parsers.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <cstring>
#include <map>
#include <vector>

#include "net/netlink/rtnl.hpp"

namespace {

using namespace vs::net;
using namespace vs::net::netlink;

std::vector<uint8_t> bytes(const Message& m) {
    auto b = m.bytes();
    return {b.begin(), b.end()};
}

// Top-level attributes of a message after a family header of `hdr` bytes: type -> payload.
std::map<uint16_t, std::vector<uint8_t>> attrs(const nlmsghdr* h, size_t hdr) {
    std::map<uint16_t, std::vector<uint8_t>> out;
    auto* base = reinterpret_cast<const uint8_t*>(h);
    size_t off = NLMSG_ALIGN(sizeof(nlmsghdr)) + NLMSG_ALIGN(hdr);
    while (off + 4 <= h->nlmsg_len) {
        nlattr a;
        std::memcpy(&a, base + off, 4);
        const uint8_t* p = base + off + 4;
        out[a.nla_type & NLA_TYPE_MASK] = {p, p + (a.nla_len - 4)};
        off += NLA_ALIGN(a.nla_len);
    }
    return out;
}

std::map<uint16_t, std::vector<uint8_t>> nested(const std::vector<uint8_t>& payload) {
    std::map<uint16_t, std::vector<uint8_t>> out;
    size_t off = 0;
    while (off + 4 <= payload.size()) {
        nlattr a;
        std::memcpy(&a, payload.data() + off, 4);
        const uint8_t* p = payload.data() + off + 4;
        out[a.nla_type & NLA_TYPE_MASK] = {p, p + (a.nla_len - 4)};
        off += NLA_ALIGN(a.nla_len);
    }
    return out;
}

std::string str(const std::vector<uint8_t>& v) {
    return std::string(v.begin(), v.end()).c_str();  // stops at the NUL
}
uint32_t u32(const std::vector<uint8_t>& v) {
    uint32_t x;
    std::memcpy(&x, v.data(), 4);
    return x;
}

TEST(Rtnl, DelLinkIsExactlyHeaderAndIfinfo) {
    Message m = del_link(7);
    std::vector<uint8_t> want(32, 0);
    uint32_t len = 32;
    uint16_t type = RTM_DELLINK, flags = NLM_F_REQUEST;
    std::memcpy(&want[0], &len, 4);
    std::memcpy(&want[4], &type, 2);
    std::memcpy(&want[6], &flags, 2);
    int32_t idx = 7;
    std::memcpy(&want[16 + 4], &idx, 4);  // ifinfomsg.ifi_index after family/pad/type
    EXPECT_EQ(bytes(m), want);
}

TEST(Rtnl, SetLinkUpRenameMasterNetns) {
    Mac mac{0x02, 0, 0, 0, 0, 0x42};
    Message m = set_link({.index = 5,
                          .name = std::string("eth0"),
                          .up = true,
                          .mac = mac,
                          .master = 3,
                          .netns = {.fd = 9}});
    const nlmsghdr* h = m.header();
    EXPECT_EQ(h->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(h->nlmsg_flags, NLM_F_REQUEST);  // no CREATE: changes an existing link
    auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(h));
    EXPECT_EQ(ifi->ifi_index, 5);
    EXPECT_EQ(ifi->ifi_flags, unsigned(IFF_UP));
    EXPECT_EQ(ifi->ifi_change, unsigned(IFF_UP));
    auto a = attrs(h, sizeof(ifinfomsg));
    EXPECT_EQ(str(a[IFLA_IFNAME]), "eth0");
    EXPECT_EQ(a[IFLA_ADDRESS], std::vector<uint8_t>(mac.begin(), mac.end()));
    EXPECT_EQ(u32(a[IFLA_MASTER]), 3u);
    EXPECT_EQ(u32(a[IFLA_NET_NS_FD]), 9u);
    EXPECT_FALSE(a.count(IFLA_NET_NS_PID));
}

TEST(Rtnl, SetLinkDownOnlyTouchesUpFlag) {
    Message m = set_link({.index = 2, .up = false});
    auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(m.header()));
    EXPECT_EQ(ifi->ifi_flags, 0u);
    EXPECT_EQ(ifi->ifi_change, unsigned(IFF_UP));
    EXPECT_EQ(m.header()->nlmsg_len, NLMSG_LENGTH(sizeof(ifinfomsg)));
}

TEST(Rtnl, VethPeerIsCreatedInTheGuestNamespace) {
    Message m = new_veth("vs1234abcd.0", "eth0", {.pid = 4242}, std::nullopt);
    const nlmsghdr* h = m.header();
    EXPECT_EQ(h->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    auto a = attrs(h, sizeof(ifinfomsg));
    EXPECT_EQ(str(a[IFLA_IFNAME]), "vs1234abcd.0");
    EXPECT_FALSE(a.count(IFLA_NET_NS_PID));  // the host end stays here
    auto li = nested(a[IFLA_LINKINFO]);
    EXPECT_EQ(str(li[IFLA_INFO_KIND]), "veth");
    auto data = nested(li[IFLA_INFO_DATA]);
    ASSERT_TRUE(data.count(VETH_INFO_PEER));
    // The peer payload: an ifinfomsg, then the peer's attributes.
    auto& peer = data[VETH_INFO_PEER];
    ASSERT_GE(peer.size(), sizeof(ifinfomsg));
    auto pattrs = nested({peer.begin() + sizeof(ifinfomsg), peer.end()});
    EXPECT_EQ(str(pattrs[IFLA_IFNAME]), "eth0");
    EXPECT_EQ(u32(pattrs[IFLA_NET_NS_PID]), 4242u);
}

TEST(Rtnl, VethEndsAreCreatedWithOneQueueEach) {
    // Without the counts the kernel allocates one queue per CPU and trims each registered end
    // to one, an expedited RCU grace period per end.
    Message m = new_veth("vs1234abcd.0", "eth0", {.fd = 5}, std::nullopt);
    auto a = attrs(m.header(), sizeof(ifinfomsg));
    EXPECT_EQ(u32(a[IFLA_NUM_TX_QUEUES]), 1u);
    EXPECT_EQ(u32(a[IFLA_NUM_RX_QUEUES]), 1u);
    auto peer = nested(nested(a[IFLA_LINKINFO])[IFLA_INFO_DATA])[VETH_INFO_PEER];
    ASSERT_GE(peer.size(), sizeof(ifinfomsg));
    auto pattrs = nested({peer.begin() + sizeof(ifinfomsg), peer.end()});
    EXPECT_EQ(u32(pattrs[IFLA_NUM_TX_QUEUES]), 1u);
    EXPECT_EQ(u32(pattrs[IFLA_NUM_RX_QUEUES]), 1u);
    EXPECT_EQ(u32(pattrs[IFLA_NET_NS_FD]), 5u);
}

TEST(Rtnl, GetNsidAsksForOneNamespaceById) {
    Message m = get_nsid(7);
    const nlmsghdr* h = m.header();
    EXPECT_EQ(h->nlmsg_type, RTM_GETNSID);
    EXPECT_EQ(h->nlmsg_flags, NLM_F_REQUEST);  // not a dump
    EXPECT_EQ(static_cast<const rtgenmsg*>(NLMSG_DATA(h))->rtgen_family, AF_UNSPEC);
    auto a = attrs(h, sizeof(rtgenmsg));
    EXPECT_EQ(u32(a[NETNSA_NSID]), 7u);
}

TEST(Rtnl, MacvlanBridgeModeOnParent) {
    Mac mac{0x02, 1, 2, 3, 4, 5};
    Message m = new_macvlan("eth0", 12, {.fd = 7}, mac);
    auto a = attrs(m.header(), sizeof(ifinfomsg));
    EXPECT_EQ(str(a[IFLA_IFNAME]), "eth0");
    EXPECT_EQ(u32(a[IFLA_LINK]), 12u);
    EXPECT_EQ(u32(a[IFLA_NET_NS_FD]), 7u);
    EXPECT_EQ(a[IFLA_ADDRESS], std::vector<uint8_t>(mac.begin(), mac.end()));
    auto li = nested(a[IFLA_LINKINFO]);
    EXPECT_EQ(str(li[IFLA_INFO_KIND]), "macvlan");
    EXPECT_EQ(u32(nested(li[IFLA_INFO_DATA])[IFLA_MACVLAN_MODE]), uint32_t(MACVLAN_MODE_BRIDGE));
}

TEST(Rtnl, NewAddrV4WithBroadcastAndLabelExactBytes) {
    auto p = *parse_prefix("192.0.2.5/24");
    Message m = new_addr(3, p, "eth0:web");
    std::vector<uint8_t> b = bytes(m);
    // header 16 + ifaddrmsg 8 + LOCAL 8 + ADDRESS 8 + BROADCAST 8 + LABEL (4 + 9 -> 16) = 64
    ASSERT_EQ(b.size(), 64u);
    const uint8_t ifa[8] = {AF_INET, 24, 0, RT_SCOPE_UNIVERSE, 3, 0, 0, 0};
    EXPECT_EQ(0, std::memcmp(&b[16], ifa, 8));
    const uint8_t local[8] = {8, 0, IFA_LOCAL, 0, 192, 0, 2, 5};
    EXPECT_EQ(0, std::memcmp(&b[24], local, 8));
    const uint8_t addr[8] = {8, 0, IFA_ADDRESS, 0, 192, 0, 2, 5};
    EXPECT_EQ(0, std::memcmp(&b[32], addr, 8));
    const uint8_t brd[8] = {8, 0, IFA_BROADCAST, 0, 192, 0, 2, 255};
    EXPECT_EQ(0, std::memcmp(&b[40], brd, 8));
    const uint8_t label[16] = {13,  0,   IFA_LABEL, 0,   'e', 't', 'h', '0',
                               ':', 'w', 'e',       'b', 0,   0,   0,   0};
    EXPECT_EQ(0, std::memcmp(&b[48], label, 16));
    EXPECT_EQ(m.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
}

TEST(Rtnl, NewAddrV6HasNoBroadcastNoLabelAndSkipsDad) {
    auto p = *parse_prefix("2001:db8::5/64");
    Message m = new_addr(4, p, "ignored");
    auto* ifa = static_cast<const ifaddrmsg*>(nlmsg_data(m.header()));
    EXPECT_EQ(ifa->ifa_family, AF_INET6);
    EXPECT_EQ(ifa->ifa_prefixlen, 64);
    EXPECT_EQ(ifa->ifa_flags, IFA_F_NODAD);
    auto a = attrs(m.header(), sizeof(ifaddrmsg));
    EXPECT_EQ(a[IFA_LOCAL], std::vector<uint8_t>(p.addr.bytes.begin(), p.addr.bytes.end()));
    EXPECT_FALSE(a.count(IFA_BROADCAST));
    EXPECT_FALSE(a.count(IFA_LABEL));
}

TEST(Rtnl, DelAddrCarriesTheAddress) {
    auto p = *parse_prefix("198.51.100.7/32");
    Message m = del_addr(9, p);
    EXPECT_EQ(m.header()->nlmsg_type, RTM_DELADDR);
    auto a = attrs(m.header(), sizeof(ifaddrmsg));
    EXPECT_EQ(a[IFA_LOCAL], (std::vector<uint8_t>{198, 51, 100, 7}));
    EXPECT_FALSE(a.count(IFA_BROADCAST));
}

TEST(Rtnl, DefaultRouteViaGateway) {
    auto gw = *parse_ip("192.0.2.1");
    Message m = new_route({.family = AF_INET, .gateway = gw, .oif = 6});
    auto* rt = static_cast<const rtmsg*>(nlmsg_data(m.header()));
    EXPECT_EQ(m.header()->nlmsg_type, RTM_NEWROUTE);
    EXPECT_EQ(rt->rtm_dst_len, 0);
    EXPECT_EQ(rt->rtm_table, RT_TABLE_MAIN);
    EXPECT_EQ(rt->rtm_scope, RT_SCOPE_UNIVERSE);
    auto a = attrs(m.header(), sizeof(rtmsg));
    EXPECT_FALSE(a.count(RTA_DST));
    EXPECT_EQ(a[RTA_GATEWAY], (std::vector<uint8_t>{192, 0, 2, 1}));
    EXPECT_EQ(u32(a[RTA_OIF]), 6u);
}

TEST(Rtnl, HostRouteIsLinkScope) {
    auto dst = *parse_prefix("192.0.2.9/32");
    Message m = new_route({.family = AF_INET, .dst = dst, .oif = 2});
    auto* rt = static_cast<const rtmsg*>(nlmsg_data(m.header()));
    EXPECT_EQ(rt->rtm_dst_len, 32);
    EXPECT_EQ(rt->rtm_scope, RT_SCOPE_LINK);
    auto a = attrs(m.header(), sizeof(rtmsg));
    EXPECT_EQ(a[RTA_DST], (std::vector<uint8_t>{192, 0, 2, 9}));
    EXPECT_FALSE(a.count(RTA_GATEWAY));
}

TEST(Rtnl, DumpRequests) {
    Message l = dump_links();
    EXPECT_EQ(l.header()->nlmsg_type, RTM_GETLINK);
    EXPECT_EQ(l.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    Message a = dump_addrs(AF_INET6);
    EXPECT_EQ(a.header()->nlmsg_type, RTM_GETADDR);
    EXPECT_EQ(static_cast<const ifaddrmsg*>(nlmsg_data(a.header()))->ifa_family, AF_INET6);
}

TEST(Rtnl, ParseLinkReadsNameKindAndMac) {
    // A veth request has the same shape as a link dump entry: reuse it as input.
    Mac mac{0x02, 9, 9, 9, 9, 9};
    Message m = set_link({.index = 11, .name = std::string("br0"), .mac = mac, .master = 4});
    auto li = parse_link(m.header());
    ASSERT_TRUE(li) << li.error().what();
    EXPECT_EQ(li->index, 11);
    EXPECT_EQ(li->name, "br0");
    EXPECT_EQ(li->master, 4);
    ASSERT_TRUE(li->mac);
    EXPECT_EQ(*li->mac, mac);
    Message v = new_veth("a", "b", {}, std::nullopt);
    EXPECT_EQ(parse_link(v.header())->kind, "veth");
}

TEST(Rtnl, GetLinkAsksForOneNameWithoutStats) {
    Message m = get_link("br0");
    EXPECT_EQ(m.header()->nlmsg_type, RTM_GETLINK);
    EXPECT_EQ(m.header()->nlmsg_flags, NLM_F_REQUEST);  // no NLM_F_DUMP: one reply
    auto a = attrs(m.header(), sizeof(ifinfomsg));
    EXPECT_EQ(a[IFLA_IFNAME], (std::vector<uint8_t>{'b', 'r', '0', 0}));
    uint32_t mask = 0;
    ASSERT_EQ(a[IFLA_EXT_MASK].size(), 4u);
    std::memcpy(&mask, a[IFLA_EXT_MASK].data(), 4);
    EXPECT_EQ(mask, static_cast<uint32_t>(RTEXT_FILTER_SKIP_STATS));
}

TEST(Rtnl, ParseLinkReadsThePeerNamespaceId) {
    // Teardown leaves a veth to the kernel only when its peer namespace is dying (nsid -1).
    auto with = [](std::optional<int32_t> id) {
        Message m(RTM_NEWLINK, 0);
        m.extra<ifinfomsg>()->ifi_index = 7;
        if (id) m.put_u32(IFLA_LINK_NETNSID, static_cast<uint32_t>(*id));
        return parse_link(m.header())->link_netnsid;
    };
    EXPECT_EQ(with(-1), -1);
    EXPECT_EQ(with(3), 3);
    EXPECT_EQ(with(std::nullopt), std::nullopt);
}

TEST(Rtnl, ParseAddrPrefersLocal) {
    auto p = *parse_prefix("2001:db8::7/64");
    Message m = new_addr(3, p, "");
    auto ai = parse_addr(m.header());
    ASSERT_TRUE(ai) << ai.error().what();
    EXPECT_EQ(ai->index, 3);
    EXPECT_EQ(ai->addr, p);
    EXPECT_FALSE(parse_addr(del_link(1).header()));
}

TEST(Rtnl, MacParsing) {
    EXPECT_EQ(mac_to_string(*parse_mac("02:00:5e:10:00:ff")), "02:00:5e:10:00:ff");
    EXPECT_FALSE(parse_mac("02:00:5e:10:00"));
    EXPECT_FALSE(parse_mac("02:00:5e:10:00:ff:11"));
    EXPECT_FALSE(parse_mac("01:00:5e:00:00:01"));  // multicast
}

}  // namespace

namespace {
TEST(Rtnl, PromoteSecondariesIsAnInetDevconfAttribute) {
    using namespace vs::net::netlink;
    Message m = set_link({.index = 3, .promote_secondaries = true});
    auto a = attrs(m.header(), sizeof(ifinfomsg));
    ASSERT_TRUE(a.count(IFLA_AF_SPEC));
    auto inet = nested(nested(a[IFLA_AF_SPEC])[AF_INET]);
    auto conf = nested(inet[IFLA_INET_CONF]);
    EXPECT_EQ(u32(conf[IPV4_DEVCONF_PROMOTE_SECONDARIES]), 1u);
}
}  // namespace
