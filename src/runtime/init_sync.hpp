// The commands `start` and `stop` run inside the running guest and wait for: cmd.stop (or the
// sysv stop runlevel), cmd.start-sync and cmd.stop-sync.
#pragma once

#include <string>
#include <vector>

#include "cgroup/manager.hpp"
#include "spec/guest_spec.hpp"
#include "state/guest_state.hpp"

namespace vs::runtime {

/// Runs `argv` in the guest as its root and waits. A failure or non-zero exit is logged as a
/// warning naming `what` (the config file): the guest's state is already decided by then.
void run_guest_command(const spec::GuestSpec& spec, const state::GuestState& st,
                       cgroup::Manager& cg, const std::vector<std::string>& argv,
                       const std::string& what);

}  // namespace vs::runtime
