// Starting a static helper from a sealed memfd with vfork semantics (clone(CLONE_VM |
// CLONE_VFORK) + execveat), so the caller's address space is never copied: for a big
// dynamically linked process like vserver, fork + exec teardown of that copy cost ~0.6 ms.
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
Result<PidFd> spawn_exec_fd(int exe_fd, const std::vector<std::string>& argv,
                            const std::vector<std::string>& envp, const std::vector<int>& keep);

}  // namespace vs::proc
