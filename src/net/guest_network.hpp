// The guest's network, seen from the runtime: set up after the guest's namespaces exist, torn
// down at stop. Everything else in net/ (netlink, links, addresses, BPF) sits behind this.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/configured_address.hpp"
#include "spec/guest_spec.hpp"

namespace vs::net {

struct SetupContext {
    pid_t init_pid = -1;       ///< a process inside the guest's new network namespace
    std::string cgroup2_path;  ///< the guest's cgroup2 dir (for shared-mode BPF), may be ""
    std::string run_dir;       ///< the guest's run dir, for anything to remember at stop
    /// Addresses other guests are configured with (config::vserver::addresses_of_other_guests),
    /// refused for this guest by setup and apply_live; empty when there are none.
    std::vector<spec::ConfiguredAddress> configured_elsewhere;
    /// Where running guests' claims live (paths.run_dir); empty: the parent of run_dir.
    std::string run_base;
};

/// Called by start in the parent once the guest's init exists (stopped at the sync point):
/// checks and claims the guest's addresses (host-wide lock, refusing conflicts), brings up
/// loopback and every configured interface (veth/macvlan in the guest's netns, or, in shared
/// mode, host aliases plus the cgroup BPF confinement on cgroup2_path). On failure it removes
/// what it created. Records what it made in <run_dir>/net.state.
Status setup_guest(const spec::GuestSpec& spec, const SetupContext& ctx);

/// Called by stop (and by the start rollback): removes every link, address, route and BPF
/// program created for the guest, and its address claims. Idempotent: succeeds when there is
/// nothing left.
Status teardown_guest(const spec::GuestSpec& spec, const SetupContext& ctx);

/// Live re-addressing of a running guest (`vserver NAME ip ...`): applies the difference
/// between `old_spec` and `new_spec` (addresses, whole links, gateways; shared mode: host
/// aliases and the BPF allow list) after checking and claiming the new addresses. On failure
/// the guest is left as it was. `ctx.run_dir` must hold the net.state written at setup.
Status apply_live(const spec::GuestSpec& old_spec, const spec::GuestSpec& new_spec,
                  const SetupContext& ctx);

/// Capabilities the guest must not keep, as a CAP_* bit mask for the runtime to remove from
/// the bounding set: in shared mode (no network namespace) CAP_NET_RAW, because AF_PACKET
/// sockets bypass every cgroup BPF hook (machine-facts.md), and CAP_NET_ADMIN, which would be
/// admin of the host's own network stack. 0 for guests with their own namespace.
uint64_t required_cap_drops(const spec::GuestSpec& spec);

/// True when <run_dir>/net.state names a guest init that is still alive.
bool is_live(const std::string& run_dir);

}  // namespace vs::net
