// kill(2) wrapper.
#include "base/sys_signal.hpp"

#include <signal.h>

#include <cerrno>

namespace vs::sys {

Status send_signal(pid_t pid, int sig) {
    if (pid <= 0) return make_error(EINVAL, "kill {}: refusing a pid that is not a process", pid);
    if (::kill(pid, sig) < 0 && errno != ESRCH)
        return errno_error(fmt::format("kill {} signal {}", pid, sig));
    return ok();
}

}  // namespace vs::sys
