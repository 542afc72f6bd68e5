// kill(2) wrapper.
#include "base/sys_signal.hpp"

#include <signal.h>

#include <cerrno>

#include "base/strings.hpp"

namespace vs::sys {

Status send_signal(pid_t pid, int sig) {
    if (pid <= 0) return make_error(EINVAL, "kill {}: refusing a pid that is not a process", pid);
    if (::kill(pid, sig) < 0 && errno != ESRCH)
        return errno_error(fmt::format("kill {} signal {}", pid, sig));
    return ok();
}

bool pid_gone(std::string_view digits) {
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return false;
    auto pid = str::parse_u64(digits);
    if (!pid || *pid == 0 || *pid > 4194304) return false;  // PID_MAX_LIMIT
    return ::kill(static_cast<pid_t>(*pid), 0) < 0 && errno == ESRCH;
}

}  // namespace vs::sys
