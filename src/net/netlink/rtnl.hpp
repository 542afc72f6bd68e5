// rtnetlink requests (links, addresses, routes) as Messages, and parsers for dump replies.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "net/address.hpp"
#include "net/netlink/message.hpp"

namespace vs::net::netlink {

using Mac = std::array<uint8_t, 6>;
Result<Mac> parse_mac(const std::string& text);
std::string mac_to_string(const Mac& m);

/// Where a new or moved link goes: a netns fd (IFLA_NET_NS_FD) or a pid (IFLA_NET_NS_PID).
struct NetnsRef {
    int fd = -1;
    pid_t pid = -1;
    bool set() const { return fd >= 0 || pid > 0; }
};

/// RTM_NEWLINK creating a veth pair: `name` stays here, `peer_name` is created directly in
/// `peer_ns` (so it never exists in the host namespace under a name that could clash).
Message new_veth(const std::string& name, const std::string& peer_name, NetnsRef peer_ns,
                 const std::optional<Mac>& peer_mac);

/// RTM_NEWLINK creating a macvlan (mode bridge: guests on one parent reach each other) on
/// `parent_index`, created directly in `ns` as `name`.
Message new_macvlan(const std::string& name, int parent_index, NetnsRef ns,
                    const std::optional<Mac>& mac);

/// RTM_NEWLINK (no NLM_F_CREATE) changing an existing link: any of the optional parts.
struct LinkChange {
    int index = 0;
    std::optional<std::string> name;
    std::optional<bool> up;
    std::optional<Mac> mac;
    std::optional<int> master;  ///< bridge ifindex (0 = none)
    NetnsRef netns;             ///< move the link into this namespace
    /// net.ipv4.conf.<link>.promote_secondaries (IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF): without
    /// it, deleting a primary IPv4 address deletes every address of the same subnet with it.
    std::optional<bool> promote_secondaries;
};
Message set_link(const LinkChange& c);
Message del_link(int index);

/// RTM_NEWADDR / RTM_DELADDR of `p` on `index`; `label` (IPv4 only, IFA_LABEL) must start with
/// the interface name, as the kernel requires (e.g. "eth0:web").
Message new_addr(int index, const IpPrefix& p, const std::string& label = "");
Message del_addr(int index, const IpPrefix& p);

/// RTM_NEWROUTE / RTM_DELROUTE in the main table. dst prefix 0 = default route; no gateway =
/// a device (scope link) route.
struct Route {
    int family = 0;
    std::optional<IpPrefix> dst;  ///< nullopt: default route
    std::optional<IpAddress> gateway;
    int oif = 0;
};
Message new_route(const Route& r);
Message del_route(const Route& r);

/// RTM_GETNSID asking for the namespace the socket's namespace knows as `nsid`. The kernel
/// answers only while that namespace is alive: once its last reference is gone (the kernel is
/// destroying it, or is about to) the lookup fails with ENOENT, and that never reverts.
Message get_nsid(int nsid);

Message dump_links();
/// RTM_GETLINK of one link by name (IFLA_IFNAME), statistics skipped: one reply, no dump.
Message get_link(const std::string& name);
Message dump_addrs(int family);  ///< AF_UNSPEC for both

struct LinkInfo {
    int index = 0;
    std::string name;
    unsigned flags = 0;  ///< IFF_*
    std::string kind;    ///< IFLA_INFO_KIND ("veth", "bridge", "macvlan", "" = physical)
    int master = 0;
    int link = 0;  ///< IFLA_LINK (parent / peer index)
    std::optional<Mac> mac;
    /// IFLA_LINK_NETNSID: the peer's namespace id as seen from here, for links whose other
    /// end (veth peer, macvlan parent) lives in another namespace. -1 (NETNSA_NSID_NOT_ASSIGNED)
    /// when that namespace is already being destroyed; nullopt when the peer is local.
    std::optional<int> link_netnsid;
};
struct AddrInfo {
    int index = 0;
    IpPrefix addr;
    std::string label;
};
/// Parse one RTM_NEWLINK / RTM_NEWADDR message of a dump.
Result<LinkInfo> parse_link(const nlmsghdr* h);
Result<AddrInfo> parse_addr(const nlmsghdr* h);

}  // namespace vs::net::netlink
