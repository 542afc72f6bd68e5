// The truthful status of a guest, derived from what the kernel shows (processes in its cgroup,
// its init alive) and the state file, never from the state file alone.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "state/guest_state.hpp"

namespace vs::state {

enum class RunStatus {
    Running,   ///< started completely, init alive
    Stopped,   ///< no process, no state (or only stale state nothing backs)
    Starting,  ///< a start is in progress (its lock is held)
    Stopping,  ///< a stop is in progress
    Broken,    ///< an interrupted start or stop left something behind; start or stop repairs it
};
const char* run_status_name(RunStatus s);

/// What the caller observed; pure input so the decision can be unit-tested.
struct Observation {
    std::optional<GuestState> state;
    bool lock_held = false;  ///< someone holds the guest lock right now
    bool cgroup_exists = false;
    std::vector<pid_t> cgroup_pids;  ///< processes in the guest's cgroup
    bool init_alive = false;         ///< state.init_pid exists with state.init_start_time
};

struct Derived {
    RunStatus status = RunStatus::Stopped;
    std::string detail;          ///< one line for the admin when not plainly running/stopped
    bool needs_cleanup = false;  ///< leftovers (cgroup, processes, state) to remove first
};

Derived derive(const Observation& o);

}  // namespace vs::state
