// start's later phases (GuestStart, guest_start.hpp): Go and the init's exec, the running
// state, the boot waited for, the init checked alive; and the error for an init that died.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/clock.hpp"
#include "base/fault.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "proc/proc_info.hpp"
#include "runtime/guest.hpp"
#include "runtime/console.hpp"
#include "runtime/guest_start.hpp"
#include "runtime/join.hpp"
#include "runtime/join_profile.hpp"

namespace vs::runtime {

namespace {

/// The command as the admin knows it: what follows vs-init's "--".
std::string admin_command(const std::vector<std::string>& plan_argv) {
    auto dash = std::find(plan_argv.begin(), plan_argv.end(), "--");
    std::vector<std::string> cmd(dash == plan_argv.end() ? plan_argv.begin() : dash + 1,
                                 plan_argv.end());
    return str::join(cmd, " ");
}

std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? fmt::format("signal {} (SIG{})", sig, abbrev) : fmt::format("signal {}", sig);
}

}  // namespace

Status GuestStart::wait_exec() {
    VS_TRY(child->channel.send(proc::SyncMsg::Go));
    const int64_t deadline = timeout_ms < 0 ? -1 : sys::monotonic_ms() + timeout_ms;
    bool exec_seen = false;
    for (;;) {
        if (!readable_by(child->channel.fd(), deadline))
            return make_error(ETIMEDOUT,
                              "start guest \"{}\": its init did not start within {} s "
                              "(apps/init/timeout{})",
                              name, spec.init.timeout_s,
                              spec.init.cmd_prepare.empty() ? "" : "; apps/init/cmd.prepare");
        auto m = VS_TRY(child->channel.recv());
        if (m.eof && exec_seen) break;
        if (m.eof) return died("start guest \"{}\": its init", "");
        if (m.type == proc::SyncMsg::Error)
            return std::move(m.error).wrap(fmt::format("start guest \"{}\": guest init", name));
        if (m.type == proc::SyncMsg::Fd && !exec_seen && plan.console_ttys >= 0 &&
            console_masters.size() < static_cast<size_t>(plan.console_ttys) + 1) {
            console_masters.push_back(std::move(m.fd));
            continue;
        }
        if (m.type != proc::SyncMsg::Exec || exec_seen)
            return make_error(EPROTO, "start guest \"{}\": unexpected message from its init", name);
        exec_seen = true;
    }
    return fault_point("after-exec");
}

Status GuestStart::hand_off_console() {
    if (console_masters.empty()) return ok();
    VS_TRY(console::hand_off(paths, name, child->pidfd.fd(), console_masters)
               .wrap("console of guest \"{}\"", name));
    console_masters.clear();
    rb.add([&] { console::forget(paths, name); });
    return ok();
}

Status GuestStart::record_running() {
    st.phase = state::Phase::Running;
    st.init_pid = child->pidfd.pid();
    st.init_start_time = VS_TRY(proc::start_time(st.init_pid).wrap("guest \"{}\" init", name));
    auto profile = VS_TRY(make_join_profile(spec, *cg, st.init_pid, plan.rlimits, plan.filter));
    VS_TRY(save_join_profile(run, st, profile));
    rb.add([&] { (void)clear_join_profile(run); });
    return state::save(run, st);
}

Status GuestStart::wait_boot() {
    if (output) {
        auto status = output->relay(STDOUT_FILENO, STDERR_FILENO, timeout_ms);
        std::string what = admin_command(plan.argv);
        if (output->timed_out())
            return make_error(ETIMEDOUT,
                              "start guest \"{}\": \"{}\" did not finish within {} s "
                              "(apps/init/timeout); stopping the guest",
                              name, what, spec.init.timeout_s);
        if (!status && child->pidfd.wait_exit(100))
            return died("start guest \"{}\": its init (running \"{}\")", what);
        if (!status)
            log::warn("guest \"{}\": its init ended before \"{}\" reported an exit status", name,
                      what);
        else if (WIFEXITED(*status) && WEXITSTATUS(*status) != 0)
            log::warn("guest \"{}\" is running, but \"{}\" exited with status {}", name, what,
                      WEXITSTATUS(*status));
        else if (WIFSIGNALED(*status))
            log::warn("guest \"{}\" is running, but \"{}\" was killed by {}", name, what,
                      signal_text(WTERMSIG(*status)));
    }
    VS_TRY(run_guest_command(spec, st, *cg, spec.init.cmd_start_sync, "apps/init/cmd.start-sync")
               .wrap("start guest \"{}\"", name));
    return ok();
}

Status GuestStart::check_running() {
    constexpr int kSettleCpuSeconds = 1;
    const uint64_t settle_ticks =
        static_cast<uint64_t>(std::max(proc::clock_ticks(), 1L)) * kSettleCpuSeconds;
    const int64_t deadline = timeout_ms < 0 ? -1 : sys::monotonic_ms() + timeout_ms;
    for (int step = 1;; step = std::min(step * 2, 16)) {
        if (!child->pidfd.alive()) return died("start guest \"{}\": its init", "");
        auto s = proc::run_sample(child->pidfd.pid());
        if (!s) {
            if (!child->pidfd.alive()) return died("start guest \"{}\": its init", "");
            return std::move(s).error().wrap(fmt::format("start guest \"{}\": its init", name));
        }
        if (!s->exiting && (s->state == 'S' || s->cpu_ticks >= settle_ticks)) return ok();
        if (deadline >= 0 && sys::monotonic_ms() >= deadline)
            return make_error(ETIMEDOUT,
                              "start guest \"{}\": its init did not settle within {} s "
                              "(apps/init/timeout; it stayed in state {})",
                              name, spec.init.timeout_s, s->state);
        if (child->pidfd.wait_exit(step)) return died("start guest \"{}\": its init", "");
    }
}

Error GuestStart::died(const char* what, const std::string& arg) {
    std::string who = fmt::format(fmt::runtime(what), name, arg);
    // It is exiting (EOF on the channel) or has exited: wait briefly for its status.
    (void)child->pidfd.wait_exit(1000);
    siginfo_t si{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child->pidfd.fd()), &si,
                 WEXITED | WNOHANG | WNOWAIT) < 0 ||
        si.si_pid == 0)
        return make_error(0, "{} ended before it started the guest", who);
    std::string how = si.si_code == CLD_EXITED
                          ? fmt::format("exited with status {}", si.si_status)
                          : fmt::format("was killed by {}", signal_text(si.si_status));
    return make_error(0, "{} {}{}", who, how, death_hint(si));
}

std::string GuestStart::death_hint(const siginfo_t& si) {
    if (auto s = cg->stats(); s && s->oom_kills > 0) {
        const auto& m = spec.resources.memory_max;
        return m && *m > 0 ? fmt::format(
                                 "; killed by the OOM killer: its memory limit "
                                 "(limits/memory.max or rlimits/rss) is {}",
                                 str::human_bytes(static_cast<uint64_t>(*m)))
                           : std::string("; killed by the OOM killer");
    }
    if (si.si_code == CLD_EXITED) return {};
    std::vector<std::string> set;
    for (const auto& l : rlimits)
        if (l.name == "as" || l.name == "data" || l.name == "stack" || l.name == "rss")
            set.push_back(fmt::format("rlimits/{} is {}", l.name,
                                      l.value.rlim_cur == RLIM_INFINITY
                                          ? std::string("unlimited")
                                          : str::human_bytes(l.value.rlim_cur)));
    if (set.empty()) return {};
    return fmt::format("; check the memory rlimits: {}", str::join(set, ", "));
}

bool GuestStart::readable_by(int fd, int64_t deadline_ms) {
    for (;;) {
        int wait = -1;
        if (deadline_ms >= 0) {
            int64_t left = deadline_ms - sys::monotonic_ms();
            if (left <= 0) return false;
            wait = static_cast<int>(left);
        }
        struct pollfd p {
            fd, POLLIN, 0
        };
        int r = ::poll(&p, 1, wait);
        if (r > 0 || (r < 0 && errno != EINTR)) return true;
    }
}

}  // namespace vs::runtime
