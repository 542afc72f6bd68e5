// ProcessRef: a pid plus its start time, so a record of "the guest's init" survives pid reuse.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::net {

struct ProcessRef {
    pid_t pid = -1;
    uint64_t start_time = 0;  ///< field 22 of /proc/<pid>/stat (clock ticks since boot)

    static Result<ProcessRef> of(pid_t pid);
    /// True while the same process (same pid and start time) exists.
    bool alive() const;
};

/// /proc/<pid>/ns/net opened read-only (the guest's network namespace).
Result<UniqueFd> open_netns(pid_t pid);

}  // namespace vs::net
