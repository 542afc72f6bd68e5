// Link operations shared by setup, teardown and live re-addressing: create one planned link
// (veth or macvlan) in the guest, add/remove its addresses and routes.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "net/net_state.hpp"
#include "net/netlink/socket.hpp"
#include "net/plan.hpp"

namespace vs::net {

/// The two sides of a guest's network: the host namespace (the caller's) and the guest's.
struct NetSides {
    netlink::Socket host;
    std::optional<netlink::Socket> guest;   ///< absent in shared mode
    UniqueFd guest_ns;

    static Result<NetSides> host_only();
    static Result<NetSides> for_guest(pid_t init_pid);
};

/// The kind of a host device ("bridge", "" for physical...), for make_plan.
DevKindFn host_dev_kind(netlink::Socket& host);

/// Brings "lo" up in the guest.
Status loopback_up(netlink::Socket& guest);

/// Creates `l` in the guest, adds its addresses, brings it up; records host-side objects in
/// `st`. On failure removes what it created.
Status create_link(NetSides& s, const LinkPlan& l, NetState& st);

/// Deletes the guest end of `l` (a veth's host end goes with it) and its host routes.
Status delete_link(NetSides& s, const LinkPlan& l, NetState& st);

/// One address on an existing guest link (and, for a routed veth, its host route).
Status add_link_addr(NetSides& s, const LinkPlan& l, const IpPrefix& a, NetState& st);
Status del_link_addr(NetSides& s, const LinkPlan& l, const IpPrefix& a, NetState& st);

/// The default route of `g` in the guest.
Status add_gateway(NetSides& s, const GatewayPlan& g);
Status del_gateway(NetSides& s, const GatewayPlan& g);

/// Shared mode: an alias on a host device.
Status add_host_addr(NetSides& s, const HostAddr& h, NetState& st);
Status del_host_addr(NetSides& s, const std::string& dev, const IpPrefix& a, NetState& st);

}  // namespace vs::net
