// guest_init: the ordered steps the guest's first process runs between clone and exec
// (nsjail's contain.cc in our words). Everything it needs is prepared on the host first, so
// the child only executes data.
#pragma once

#include <string>
#include <vector>

#include "mount/plan.hpp"
#include "proc/sync_channel.hpp"
#include "runtime/rlimits.hpp"
#include "seccomp/profile.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

struct InitPlan {
    const spec::GuestSpec* spec = nullptr;
    mount::Plan mounts;
    std::vector<RlimitSetting> rlimits;
    seccomp::Program filter;  ///< compiled in the parent (guest_filter); the child only loads it
    std::string nodename;
    std::vector<std::string> argv;  ///< PID 1's argv
    std::vector<std::string> env;
    int helper_fd = -1;  ///< sealed vs-init copy; -1: exec argv[0] in the guest
    /// fds (above 2) the init inherits across its execve, e.g. the pipes of vs-init --output
    /// (start.cpp, style sysv); every other fd is closed.
    std::vector<int> inherit_fds;
    bool new_cgroupns = true;
    std::string lxcfs_dir;  ///< the shared lxcfs mount point when the plan binds its files
    std::string ping_group_range = "0 2147483647";  ///< gids valid in the guest's user namespace
    /// -1: no console; else a pty of the guest's devpts bound on /dev/console plus this many
    /// more (its ttys), whose masters are sent to the parent (SyncMsg::Fd) for vs-consoled.
    int console_ttys = -1;
    bool console_stdio = false;  ///< the init's stdin/stdout/stderr are the console
};

/// Child side of start: waits for Go, unshares the cgroup namespace (now that the parent has
/// put it in the guest's cgroups), mounts (pivot_root), hostname, rlimits, stdio on the guest's
/// /dev/null, seccomp + caps, closes every other fd, execs PID 1. Reports any failure over
/// `ch` and returns the exit code for _exit.
int guest_init_main(proc::SyncChannel& ch, const InitPlan& plan);

}  // namespace vs::runtime
