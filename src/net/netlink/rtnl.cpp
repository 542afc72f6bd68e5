// rtnetlink request builders and dump parsers (see rtnetlink(7), veth(4), ip-link(8) for kinds).
#include "net/netlink/rtnl.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/errno.h>

#include <cerrno>
#include <cstring>

namespace vs::net::netlink {

Result<Mac> parse_mac(const std::string& text) {
    Mac m{};
    unsigned v[6];
    char tail;
    if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5], &tail) != 6)
        return make_error(EINVAL, "invalid MAC address \"{}\" (want xx:xx:xx:xx:xx:xx)", text);
    for (int i = 0; i < 6; ++i) m[i] = static_cast<uint8_t>(v[i]);
    if (m[0] & 1) return make_error(EINVAL, "MAC address \"{}\" is a multicast address", text);
    return m;
}

std::string mac_to_string(const Mac& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
                       m[5]);
}

static void put_netns(Message& m, NetnsRef ns) {
    if (ns.fd >= 0)
        m.put_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(ns.fd));
    else if (ns.pid > 0)
        m.put_u32(IFLA_NET_NS_PID, static_cast<uint32_t>(ns.pid));
}

// One tx and one rx queue, what veth uses anyway: without these the kernel allocates one per
// CPU and then cuts the registered device down to one, which waits for an expedited RCU grace
// period per end (veth_init_queues).
static void put_one_queue(Message& m) {
    m.put_u32(IFLA_NUM_TX_QUEUES, 1);
    m.put_u32(IFLA_NUM_RX_QUEUES, 1);
}

Message new_veth(const std::string& name, const std::string& peer_name, NetnsRef peer_ns,
                 const std::optional<Mac>& peer_mac) {
    Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    auto* ifi = m.extra<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    m.put_str(IFLA_IFNAME, name);
    put_one_queue(m);
    nlattr* linkinfo = m.nest_start(IFLA_LINKINFO);
    m.put_str(IFLA_INFO_KIND, "veth");
    nlattr* data = m.nest_start(IFLA_INFO_DATA);
    // VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's own attributes.
    nlattr* peer = m.nest_start(VETH_INFO_PEER);
    auto* pifi = m.extra<ifinfomsg>();
    pifi->ifi_family = AF_UNSPEC;
    m.put_str(IFLA_IFNAME, peer_name);
    put_one_queue(m);
    if (peer_mac) m.put_bytes(IFLA_ADDRESS, peer_mac->data(), peer_mac->size());
    put_netns(m, peer_ns);
    m.nest_end(peer);
    m.nest_end(data);
    m.nest_end(linkinfo);
    return m;
}

Message new_macvlan(const std::string& name, int parent_index, NetnsRef ns,
                    const std::optional<Mac>& mac) {
    Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    auto* ifi = m.extra<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    m.put_str(IFLA_IFNAME, name);
    m.put_u32(IFLA_LINK, static_cast<uint32_t>(parent_index));
    if (mac) m.put_bytes(IFLA_ADDRESS, mac->data(), mac->size());
    put_netns(m, ns);
    nlattr* linkinfo = m.nest_start(IFLA_LINKINFO);
    m.put_str(IFLA_INFO_KIND, "macvlan");
    nlattr* data = m.nest_start(IFLA_INFO_DATA);
    m.put_u32(IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
    m.nest_end(data);
    m.nest_end(linkinfo);
    return m;
}

Message set_link(const LinkChange& c) {
    Message m(RTM_NEWLINK, 0);
    auto* ifi = m.extra<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = c.index;
    if (c.up) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = *c.up ? IFF_UP : 0;
    }
    if (c.name) m.put_str(IFLA_IFNAME, *c.name);
    if (c.mac) m.put_bytes(IFLA_ADDRESS, c.mac->data(), c.mac->size());
    if (c.master) m.put_u32(IFLA_MASTER, static_cast<uint32_t>(*c.master));
    put_netns(m, c.netns);
    if (c.promote_secondaries) {
        nlattr* spec = m.nest_start(IFLA_AF_SPEC);
        nlattr* inet = m.nest_start(AF_INET);
        nlattr* conf = m.nest_start(IFLA_INET_CONF);
        m.put_u32(IPV4_DEVCONF_PROMOTE_SECONDARIES, *c.promote_secondaries ? 1 : 0);
        m.nest_end(conf);
        m.nest_end(inet);
        m.nest_end(spec);
    }
    return m;
}

Message del_link(int index) {
    Message m(RTM_DELLINK, 0);
    auto* ifi = m.extra<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    return m;
}

static Message addr_msg(uint16_t type, uint16_t flags, int index, const IpPrefix& p) {
    Message m(type, flags);
    auto* ifa = m.extra<ifaddrmsg>();
    ifa->ifa_family = static_cast<uint8_t>(p.addr.family);
    ifa->ifa_prefixlen = static_cast<uint8_t>(p.prefix);
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = static_cast<uint32_t>(index);
    // No duplicate address detection: our own conflict check already ran, and a tentative
    // address cannot be bound for ~1 s, which services started right after setup would hit.
    if (p.addr.is_v6() && type == RTM_NEWADDR) ifa->ifa_flags = IFA_F_NODAD;
    m.put_bytes(IFA_LOCAL, p.addr.data(), p.addr.size());
    m.put_bytes(IFA_ADDRESS, p.addr.data(), p.addr.size());
    return m;
}

Message new_addr(int index, const IpPrefix& p, const std::string& label) {
    Message m = addr_msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index, p);
    if (p.addr.is_v4()) {
        // A /32 has no broadcast; otherwise set the usual all-ones host part (ip's "brd +").
        if (p.prefix < 31) {
            uint32_t a;
            std::memcpy(&a, p.addr.data(), 4);
            uint32_t host = p.prefix == 0 ? 0xffffffffu : (0xffffffffu >> p.prefix);
            uint32_t b = a | htonl(host);
            m.put_bytes(IFA_BROADCAST, &b, 4);
        }
        if (!label.empty()) m.put_str(IFA_LABEL, label);
    }
    return m;
}

Message del_addr(int index, const IpPrefix& p) { return addr_msg(RTM_DELADDR, 0, index, p); }

static Message route_msg(uint16_t type, uint16_t flags, const Route& r) {
    Message m(type, flags);
    auto* rt = m.extra<rtmsg>();
    rt->rtm_family = static_cast<uint8_t>(r.family);
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_STATIC;
    rt->rtm_type = RTN_UNICAST;
    rt->rtm_scope = r.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    if (r.dst) {
        rt->rtm_dst_len = static_cast<uint8_t>(r.dst->prefix);
        m.put_bytes(RTA_DST, r.dst->addr.data(), r.dst->addr.size());
    }
    if (r.gateway) m.put_bytes(RTA_GATEWAY, r.gateway->data(), r.gateway->size());
    if (r.oif > 0) m.put_u32(RTA_OIF, static_cast<uint32_t>(r.oif));
    return m;
}

Message new_route(const Route& r) { return route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r); }
Message del_route(const Route& r) { return route_msg(RTM_DELROUTE, 0, r); }

Message get_nsid(int nsid) {
    Message m(RTM_GETNSID, 0);
    m.extra<rtgenmsg>()->rtgen_family = AF_UNSPEC;
    m.put_u32(NETNSA_NSID, static_cast<uint32_t>(nsid));
    return m;
}

Message dump_links() {
    Message m(RTM_GETLINK, NLM_F_DUMP);
    m.extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
    return m;
}

Message get_link(const std::string& name) {
    Message m(RTM_GETLINK, 0);
    m.extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
    m.put_str(IFLA_IFNAME, name);
    m.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    return m;
}

Message dump_addrs(int family) {
    Message m(RTM_GETADDR, NLM_F_DUMP);
    m.extra<ifaddrmsg>()->ifa_family = static_cast<uint8_t>(family);
    return m;
}

namespace {
// libnl's parsers take non-const pointers but only read through them.
nlmsghdr* mut(const nlmsghdr* h) { return const_cast<nlmsghdr*>(h); }

// A string attribute, cut at its payload's end even when the sender left out the NUL.
std::string str_of(const nlattr* a) {
    const auto* p = static_cast<const char*>(nla_data(a));
    return std::string(p, strnlen(p, static_cast<size_t>(nla_len(a))));
}
}  // namespace

Result<LinkInfo> parse_link(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg)))
        return make_error(EPROTO, "netlink: expected RTM_NEWLINK, got type {}", h->nlmsg_type);
    auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(h));
    LinkInfo li;
    li.index = ifi->ifi_index;
    li.flags = ifi->ifi_flags;
    nlattr* tb[IFLA_MAX + 1] = {};
    if (int e = nlmsg_parse(mut(h), sizeof(ifinfomsg), tb, IFLA_MAX, nullptr); e < 0)
        return make_error(EPROTO, "netlink: malformed link message: {}", nl_geterror(e));
    if (tb[IFLA_IFNAME]) li.name = str_of(tb[IFLA_IFNAME]);
    if (tb[IFLA_MASTER]) li.master = static_cast<int>(nla_get_u32(tb[IFLA_MASTER]));
    if (tb[IFLA_LINK]) li.link = static_cast<int>(nla_get_u32(tb[IFLA_LINK]));
    if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
        Mac mac;
        std::memcpy(mac.data(), nla_data(tb[IFLA_ADDRESS]), 6);
        li.mac = mac;
    }
    if (tb[IFLA_LINK_NETNSID])
        li.link_netnsid = static_cast<int32_t>(nla_get_u32(tb[IFLA_LINK_NETNSID]));
    if (tb[IFLA_LINKINFO]) {
        nlattr* ti[IFLA_INFO_MAX + 1] = {};
        if (nla_parse_nested(ti, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) == 0 &&
            ti[IFLA_INFO_KIND])
            li.kind = str_of(ti[IFLA_INFO_KIND]);
    }
    return li;
}

Result<AddrInfo> parse_addr(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg)))
        return make_error(EPROTO, "netlink: expected RTM_NEWADDR, got type {}", h->nlmsg_type);
    auto* ifa = static_cast<const ifaddrmsg*>(nlmsg_data(h));
    AddrInfo ai;
    ai.index = static_cast<int>(ifa->ifa_index);
    ai.addr.prefix = ifa->ifa_prefixlen;
    ai.addr.addr.family = ifa->ifa_family;
    nlattr* tb[IFA_MAX + 1] = {};
    if (int e = nlmsg_parse(mut(h), sizeof(ifaddrmsg), tb, IFA_MAX, nullptr); e < 0)
        return make_error(EPROTO, "netlink: malformed address message: {}", nl_geterror(e));
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
    const nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    int want = ifa->ifa_family == AF_INET ? 4 : 16;
    if (!a || nla_len(a) != want)
        return make_error(EPROTO, "netlink: address message without an address");
    std::memcpy(ai.addr.addr.bytes.data(), nla_data(a), static_cast<size_t>(want));
    if (tb[IFA_LABEL]) ai.label = str_of(tb[IFA_LABEL]);
    return ai;
}

}  // namespace vs::net::netlink
