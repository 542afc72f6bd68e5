// spawn: clone3(CLONE_PIDFD [| CLONE_INTO_CGROUP] | CLONE_NEW*) with a clone(2) fallback, and the
// child's entry point wired to a SyncChannel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>

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
    /// CLONE_PARENT: the child is the caller's parent's child (its waiter, and the process its
    /// die_with_parent watches), as if that process had cloned it.
    bool clone_parent = false;
    /// With CLONE_NEWUSER in ns_flags: the new user namespace's owner. The kernel makes the
    /// creator's euid the owner (create_user_ns), and the owner is whom the namespace's ucounts
    /// are charged to in the parent namespace (inc_ucount walks ns->owner): inotify instances
    /// and watches, user namespaces, ... Owned by host root, every guest's use would count
    /// against host root's own fs.inotify limits. For the clone only, the calling thread's euid
    /// is this uid; its real and saved uids stay 0 and its effective capabilities are raised
    /// again, so the clone keeps root's rights (CLONE_INTO_CGROUP, namespaces) and the rlimit
    /// the kernel records for the namespace stays root's; the fsuid stays 0, so the child still
    /// walks host paths as root until it becomes root in its namespace. Its euid is this uid,
    /// though: files whose write the kernel checks against the writer's euid (cgroup v1
    /// cgroup.procs/tasks) are opened before the clone.
    std::optional<uid_t> userns_owner;
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
