// Starting a static helper from a sealed memfd with vfork semantics (clone(CLONE_VM |
// CLONE_VFORK) + execveat), so the caller's address space is never copied: for a big
// dynamically linked process like vserver, copying its page tables for a fork and tearing them
// down at the exec is most of what starting a helper costs.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "proc/pidfd.hpp"

namespace vs::proc {

/// Runs execveat(exe_fd, "", argv, envp, AT_EMPTY_PATH) in a new child that keeps 0-2 and the
/// fds in `keep` across the exec (their close-on-exec flag is cleared in the child's fd table
/// only; every other fd is closed first)
/// and gets SIGKILL if we die (PR_SET_PDEATHSIG). Returns once the child has exec'd; an exec
/// failure comes back as the error. The caller must be single-threaded.
struct ExecSpawnOptions {
    /// cgroup2 directory (O_PATH) the child is born in (clone3 CLONE_INTO_CGROUP), -1: none.
    int cgroup2_fd = -1;
    /// With cgroup2_fd: if the kernel refuses CLONE_INTO_CGROUP, start no child and set this
    /// to true (instead of falling back to a child born in our cgroup), so a caller that has
    /// already queued work for the child knows none of it ran outside the guest's cgroup.
    bool* cgroup2_refused = nullptr;
    /// Runs in the child right before execveat (our memory, our suspended heap: keep it to a
    /// few system calls); returns 0 or an errno, which fails the spawn.
    int (*before_exec)(void* ctx) = nullptr;
    void* ctx = nullptr;
};

struct ExecChild {
    PidFd pidfd;
    bool in_cgroup2 = false;  ///< CLONE_INTO_CGROUP took effect
};

Result<ExecChild> spawn_exec_fd(int exe_fd, const std::vector<std::string>& argv,
                                const std::vector<std::string>& envp, const std::vector<int>& keep,
                                const ExecSpawnOptions& opt = {});

}  // namespace vs::proc
