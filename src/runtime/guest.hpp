// What every lifecycle verb shares: finding and loading a guest, opening its cgroup, observing
// its truthful status, removing the leftovers of an interrupted start or stop, and the fault
// points of the crash tests.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "cgroup/manager.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"
#include "state/guest_state.hpp"
#include "state/status.hpp"

namespace vs::runtime {

/// The guest's cgroup (not created).
Result<std::unique_ptr<cgroup::Manager>> open_cgroup(const config::Paths& paths,
                                                     const std::string& name);

/// Status inputs read from the kernel and the run dir; never blocks, never creates anything.
/// `caller_holds_lock`: the caller has the guest lock, so a held lock means no one else is
/// working on the guest (flock conflicts even with our own other open file descriptions).
state::Observation observe(const config::Paths& paths, const std::string& name, cgroup::Manager* cg,
                           bool caller_holds_lock);

/// Removes what an interrupted start/stop left: every process (cgroup kill), the network,
/// the cgroup and the state file. Idempotent.
Status cleanup(const config::Paths& paths, const spec::GuestSpec& spec, cgroup::Manager& cg);

/// After a user-namespaced layered guest stopped or died: its overlay (with idmapped layers)
/// leaves its root path, so the next tool mounts the host's own; a warning when it is busy.
void release_layered_root(const spec::GuestSpec& spec);

/// stop's body for a caller that already holds the guest lock (stop, restart, delete).
/// With quiet_if_stopped a stopped guest is success instead of "not running".
Status stop_locked(const config::Paths& paths, const spec::GuestSpec& spec, bool quiet_if_stopped);

/// Fault points for the crash tests: VSERVER_FAULT=<point>:kill SIGKILLs this process at that
/// point; <point>:fail makes it fail there. Compiled out with -DVS_NO_FAULT_INJECTION.
/// Points: start: after-lock, after-state, after-cgroup, after-spawn, after-net, after-exec;
/// stop: after-lock, stopping, after-kill.
Status fault_point(const char* point);

}  // namespace vs::runtime
