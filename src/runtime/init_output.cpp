// sysv rc output relay: when, how vs-init is told, and what its exit status means.
#include "runtime/init_output.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace vs::runtime {

bool shows_init_output(const spec::GuestSpec& spec, const StartOptions& opt) {
    return opt.rescue_cmd.empty() && spec.init.style == spec::InitStyle::Sysv;
}

void attach_init_output(const proc::OutputRelay& relay, InitPlan& plan) {
    // vs-init's options come before its "--".
    plan.argv.insert(plan.argv.begin() + 1, {"--output", relay.peer_arg()});
    auto fds = relay.peer_fds();
    plan.inherit_fds.insert(plan.inherit_fds.end(), fds.begin(), fds.end());
}

void show_init_output(proc::OutputRelay& relay, const spec::GuestSpec& spec,
                      const std::vector<std::string>& plan_argv) {
    auto st = relay.relay(STDOUT_FILENO, STDERR_FILENO);
    // The command as the admin knows it: what follows vs-init's "--".
    auto dash = std::find(plan_argv.begin(), plan_argv.end(), "--");
    std::vector<std::string> cmd(dash == plan_argv.end() ? plan_argv.begin() : dash + 1,
                                 plan_argv.end());
    std::string what = str::join(cmd, " ");
    if (!st) {
        log::warn("guest \"{}\": its init ended before \"{}\" reported an exit status", spec.name,
                  what);
        return;
    }
    if (WIFEXITED(*st) && WEXITSTATUS(*st) != 0)
        log::warn("guest \"{}\" is running, but \"{}\" exited with status {}", spec.name, what,
                  WEXITSTATUS(*st));
    else if (WIFSIGNALED(*st))
        log::warn("guest \"{}\" is running, but \"{}\" was killed by signal {}", spec.name, what,
                  WTERMSIG(*st));
}

}  // namespace vs::runtime
