// Link operations shared by setup, teardown and live re-addressing: create one planned link
// (veth or macvlan) in the guest, add/remove its addresses and routes.
#pragma once

#include <chrono>
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
    std::optional<netlink::Socket> guest;  ///< absent in shared mode
    UniqueFd guest_ns;

    static Result<NetSides> host_only();
    static Result<NetSides> for_guest(pid_t init_pid);
};

/// The kind of a host device ("bridge", "" for physical...), for make_plan.
DevKindFn host_dev_kind(netlink::Socket& host);

/// True when host link `l` is a veth whose peer's namespace has lost its last reference: the
/// kernel destroys that namespace from a workqueue and deletes the pair with it. False for a
/// peer in this namespace or in one that lives on (a process, a mount or an fd keeps it).
bool peer_netns_dying(netlink::Socket& host, const netlink::LinkInfo& l);

/// peer_netns_dying, asked again for up to `budget` while it is false: a namespace whose
/// processes just exited can still be referenced for a few ms by sockets the kernel frees
/// after an RCU grace period (the netlink socket start used inside it).
bool await_peer_netns_dying(netlink::Socket& host, const netlink::LinkInfo& l,
                            std::chrono::microseconds budget);
/// The budget stop and start give it: one RCU grace period with room for a loaded host. Deleting
/// the veth instead waits for an RCU barrier, which is longer than a grace period, so waiting
/// is the cheaper side. A namespace still referenced after that is taken to be pinned.
inline constexpr std::chrono::milliseconds kPeerNetnsGrace{25};

/// Renames a dying host end "vs<hash>.<k>" out of the guest's names ("vs<hash>-<4 hex>") and
/// sets it down (the bridge forgets it at once), so a restart can take its name right away
/// while the kernel finishes destroying it. Deleting it ourselves instead waits for the
/// kernel's RCU barrier behind the namespace's teardown.
Status retire_dying_link(netlink::Socket& host, const netlink::LinkInfo& l);

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
