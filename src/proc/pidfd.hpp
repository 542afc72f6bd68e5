// PidFd: a process handle that can never name a recycled pid (pidfd_open(2), pidfd_send_signal(2)).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::proc {

class PidFd {
public:
    PidFd() = default;
    PidFd(pid_t pid, UniqueFd fd) : pid_(pid), fd_(std::move(fd)) {}

    /// pidfd_open(2) of `pid`. Pair it with start_time() to be sure it is the process you meant:
    /// open first, then compare the start time, so a pid reused after the check cannot slip in.
    static Result<PidFd> open(pid_t pid);

    pid_t pid() const { return pid_; }
    int fd() const { return fd_.get(); }
    bool valid() const { return fd_.valid(); }

    /// pidfd_send_signal(2); a process that already exited (ESRCH) counts as success.
    Status send_signal(int sig) const;
    /// Blocks until the process exits (waitid(P_PIDFD)); returns the exit code, or 128+signal.
    /// Only the parent can wait; others get ECHILD.
    Result<int> wait() const;
    /// Non-blocking wait: nullopt while it still runs.
    Result<std::optional<int>> try_wait() const;
    /// True while the process exists (a zombie counts as gone).
    bool alive() const;
    /// Waits up to `timeout_ms` (-1: forever) for the process to exit, without reaping it;
    /// true once it has exited.
    bool wait_exit(int timeout_ms) const;

private:
    pid_t pid_ = -1;
    UniqueFd fd_;
};

}  // namespace vs::proc
