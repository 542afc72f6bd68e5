// cgroup: notification of OOM kills in a guest's memory cgroup (v1 memory.oom_control through
// cgroup.event_control and an eventfd, v2 memory.events through inotify), for event streams.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::cgroup {

class Manager;

class OomWatch {
public:
    /// Watches the memory cgroup of `cg` from now on (earlier kills are not reported).
    /// ENOENT when the guest has no memory controller.
    static Result<OomWatch> open(const Manager& cg);
    /// Readable (poll POLLIN) when take() may have something.
    int fd() const { return fd_.get(); }
    /// OOM events since the last call (0 when none): v1 counts each time the cgroup hit its
    /// limit with the OOM killer to run, v2 the processes the OOM killer killed (oom_kill).
    /// Never blocks.
    Result<uint64_t> take();

private:
    OomWatch() = default;
    UniqueFd fd_;         ///< v1: the eventfd; v2: inotify on memory.events
    UniqueFd control_;    ///< v1: memory.oom_control, held open while the event is registered
    std::string events_;  ///< v2: memory.events ("" on v1)
    uint64_t last_ = 0;   ///< v2: oom_kill at the last take()
};

}  // namespace vs::cgroup
