// kill(2) wrapper: the only place signals are sent by pid, and the one liveness probe by pid.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "base/result.hpp"

namespace vs::sys {

/// kill(pid, sig); a process that is already gone (ESRCH) counts as success.
Status send_signal(pid_t pid, int sig);

/// True when `digits` is a decimal pid (1..PID_MAX_LIMIT) and no such process exists: kill(pid, 0)
/// fails with ESRCH (EPERM means one exists). What a writer's temporary names (".X.tmp.PID")
/// are judged by: a live pid, even a reused one, keeps its entry.
bool pid_gone(std::string_view digits);

}  // namespace vs::sys
