// The network plan: what a guest's interfaces/ config turns into (links, addresses, routes,
// host addresses, BPF), computed as data before anything touches the kernel.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "net/address.hpp"
#include "net/netlink/rtnl.hpp"
#include "spec/guest_spec.hpp"

namespace vs::net {

enum class Mode { Veth, Macvlan, Shared };
const char* mode_name(Mode m);
Result<Mode> parse_mode(const std::string& text);

/// One link inside the guest (several interfaces/<id> with the same name share it).
struct LinkPlan {
    Mode mode = Mode::Veth;
    std::string dev;         ///< bridge (veth) or parent (macvlan); "" = routed veth
    std::string guest_name;  ///< the name inside the guest ("eth0")
    std::string host_name;   ///< veth only: the host end ("vs1a2b3c4d.0")
    std::optional<netlink::Mac> mac;
    std::vector<IpPrefix> addrs;
    std::vector<std::string> ids;  ///< the interfaces/<id> entries it came from
};

/// Shared mode: an address added to a host device at start and removed at stop.
struct HostAddr {
    std::string id;
    std::string dev;
    IpPrefix addr;
    std::string label;  ///< "dev:name" (IPv4 only), like VServer's alias
};

/// A default route inside the guest.
struct GatewayPlan {
    std::string link;  ///< guest link name
    IpAddress gateway;
};

struct Plan {
    bool netns = true;  ///< false: shared mode (no network namespace)
    std::vector<LinkPlan> links;
    std::vector<HostAddr> host_addrs;    ///< shared mode only
    std::vector<IpAddress> guest_addrs;  ///< every address the guest owns (BPF allow list)
    std::vector<GatewayPlan> gateways;
};

/// Tells the kind of a host device: "bridge", "veth", "macvlan", "" (physical), or an error
/// when it does not exist. Injected so tests need no kernel.
using DevKindFn = std::function<Result<std::string>(const std::string& dev)>;

/// Resolves modes (interfaces/N/mode, else: veth if dev is a bridge or unset, macvlan
/// otherwise), names (interfaces/N/name, else eth0, eth1... per device) and prefixes.
Result<Plan> make_plan(const spec::GuestSpec& spec, const DevKindFn& dev_kind);

/// The address and prefix of one interface (interfaces/N/prefix|mask, else interfaces/prefix,
/// else /24 or /64). `ip` may carry "/NN" itself (build --interface).
Result<IpPrefix> interface_address(const spec::GuestSpec& spec, const spec::Interface& i);

/// Every enabled address of a guest with the interfaces/<id> it comes from (conflict checks).
struct OwnedAddr {
    std::string id;
    IpAddress addr;
    bool nodev = false;
};
Result<std::vector<OwnedAddr>> owned_addresses(const spec::GuestSpec& spec);

/// The deterministic host-end name of the k-th veth of a guest: "vs" + 8 hex digits of a hash
/// of the guest name + "." + k (at most 15 bytes, IFNAMSIZ). Deterministic so that stop finds
/// the links even when the run dir is lost.
std::string host_link_name(const std::string& guest, size_t k);
std::string host_link_prefix(const std::string& guest);

/// Interface names the kernel accepts: 1..15 bytes, no '/', ':', whitespace, not "." or "..".
Status validate_ifname(const std::string& name);

}  // namespace vs::net
