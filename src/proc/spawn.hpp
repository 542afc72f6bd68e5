// spawn: clone3(CLONE_PIDFD [| CLONE_INTO_CGROUP] | CLONE_NEW*) with a clone(2) fallback, and the
// child's entry point wired to a SyncChannel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>

#include "base/result.hpp"
#include "proc/pidfd.hpp"
#include "proc/sync_channel.hpp"

namespace vs::proc {

struct SpawnOptions {
    /// CLONE_NEWPID | CLONE_NEWNS | ... (only namespace flags; the rest is set by spawn).
    uint64_t ns_flags = 0;
    /// An O_PATH/O_DIRECTORY fd of a cgroup2 directory: the child starts in it
    /// (CLONE_INTO_CGROUP, Linux 5.7) so it never runs a single instruction outside the guest's
    /// cgroup. -1: the child starts in the parent's cgroup.
    int cgroup2_fd = -1;
    /// Kill the child if the parent dies before the child execs (PR_SET_PDEATHSIG), so a
    /// SIGKILLed `vserver start` never leaves a half-set-up guest behind.
    bool die_with_parent = true;
};

struct Child {
    PidFd pidfd;
    SyncChannel channel;     ///< the parent's end
    bool in_cgroup = false;  ///< CLONE_INTO_CGROUP took effect
    bool used_clone3 = false;
};

/// The child's body: returns its exit code (spawn _exit()s with it). Runs in a copy of the
/// parent's address space, single-threaded; it must report failures over `channel`
/// (send_error) before returning non-zero.
using ChildMain = std::function<int(SyncChannel& channel)>;

/// Starts `child_main` in a new process. The parent must be single-threaded (clone without
/// CLONE_VM copies only the calling thread). Falls back to clone(2) when clone3 is missing
/// (ENOSYS) or refuses CLONE_INTO_CGROUP; the caller learns that from Child::in_cgroup.
Result<Child> spawn(const SpawnOptions& opt, const ChildMain& child_main);

}  // namespace vs::proc
