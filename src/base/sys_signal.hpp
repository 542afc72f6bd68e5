// kill(2) wrapper: the only place signals are sent by pid.
#pragma once

#include <sys/types.h>

#include "base/result.hpp"

namespace vs::sys {

/// kill(pid, sig); a process that is already gone (ESRCH) counts as success.
Status send_signal(pid_t pid, int sig);

}  // namespace vs::sys
