// GuestState: what a running guest leaves in RUN_DIR/state.json, written atomically.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace vs::state {

/// The phase journal: a start or stop writes its phase first, so a crash mid-way is visible
/// to the next command, which repairs it.
enum class Phase { Starting, Running, Stopping };
const char* phase_name(Phase p);
std::optional<Phase> phase_from(const std::string& s);

struct GuestState {
    std::string name;
    Phase phase = Phase::Starting;
    pid_t init_pid = 0;            ///< host pid of the guest's PID 1 (0 before it exists)
    uint64_t init_start_time = 0;  ///< /proc/PID/stat field 22: (pid, start time) never repeats
    uint32_t context = 0;          ///< the xid shown by status and vserver-stat
    int64_t started_at = 0;        ///< unix time of the start
    std::string init_style;        ///< "plain", "sysv", "reaper"
    std::string cgroup_layout;     ///< "v1", "v2", "hybrid"
    std::string cgroup2_path;      ///< the guest's cgroup2 dir (may be "")
    std::string root;              ///< the guest root it was started from
    /// Why the i386 socketcall(2) path to the refused socket families is open for this guest
    /// (the kernel cannot run the BPF LSM guard, lsm/socket_guard.hpp); "" when guarded or
    /// when its seccomp profile refuses no family.
    std::string socket_guard_gap;
};

std::string to_json(const GuestState& s);
/// Errors name the field; unknown fields are ignored (a newer version may add some).
Result<GuestState> from_json(const std::string& text);

/// RUN_DIR/state.json
std::string state_path(const std::string& run_dir);
/// nullopt when there is no state file.
Result<std::optional<GuestState>> load(const std::string& run_dir);
/// tmp + fsync + rename: a reader sees the old or the new state, never half of one.
Status save(const std::string& run_dir, const GuestState& s);
/// Removes the state file (idempotent).
Status clear(const std::string& run_dir);

}  // namespace vs::state
