// The guest's network, seen from the runtime: set up after the guest's namespaces exist, torn
// down at stop. Everything else in net/ (netlink, links, addresses, BPF) sits behind this.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::net {

struct SetupContext {
    pid_t init_pid = -1;            ///< a process inside the guest's new network namespace
    std::string cgroup2_path;       ///< the guest's cgroup2 dir (for shared-mode BPF), may be ""
    std::string run_dir;            ///< the guest's run dir, for anything to remember at stop
};

/// Called by start in the parent once the guest's init exists (stopped at the sync point):
/// brings up loopback and every configured interface. On failure it removes what it created.
Status setup_guest(const spec::GuestSpec& spec, const SetupContext& ctx);

/// Called by stop (and by the start rollback): removes every link, address, route and BPF
/// program created for the guest. Idempotent: succeeds when there is nothing left.
Status teardown_guest(const spec::GuestSpec& spec, const SetupContext& ctx);

}  // namespace vs::net
