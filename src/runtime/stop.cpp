// stop, restart and condrestart: pre-stop hooks, the style's stop commands inside (bounded by
// apps/init/timeout), killseq over the cgroup, cgroup kill, network teardown, cgroup removal,
// state and claims cleared, post-stop hooks.
#include <poll.h>
#include <signal.h>
#include <time.h>

#include <algorithm>

#include "base/log.hpp"
#include "net/guest_network.hpp"
#include "proc/pidfd.hpp"
#include "proc/proc_info.hpp"
#include "runtime/console.hpp"
#include "runtime/guest.hpp"
#include "runtime/hooks.hpp"
#include "runtime/identity.hpp"
#include "runtime/init_command.hpp"
#include "runtime/join.hpp"
#include "runtime/runtime.hpp"
#include "state/lock.hpp"
#include "store/layered_root.hpp"

namespace vs::runtime {

namespace {

double now_s() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// A pidfd on the guest's init, if it still is the process state.json names (opened first,
/// then checked, so a recycled pid cannot slip in). Invalid when there is none.
proc::PidFd open_init(const state::GuestState& st) {
    if (st.init_pid <= 0) return {};
    auto fd = proc::PidFd::open(st.init_pid);
    if (!fd || !proc::is_alive(st.init_pid, st.init_start_time)) return {};
    return std::move(*fd);
}

/// Waits until `init` has exited, at most until `end`. When a pid namespace's init exits, the
/// kernel has killed and reaped every other process of the namespace before the pidfd turns
/// readable, so a guest whose init dies on the signal is usually empty right after.
void wait_init(const proc::PidFd& init, double end) {
    while (init.valid()) {
        double left = end - now_s();
        if (left <= 0) return;
        struct pollfd p {
            init.fd(), POLLIN, 0
        };
        int r = ::poll(&p, 1, static_cast<int>(left * 1000) + 1);
        // Readable: exited. An error (EINTR too) ends the wait early: the polling below is exact.
        if (r != 0) return;
    }
}

/// Waits up to `seconds` for the cgroup to hold no process; true when it is empty. With the
/// init's pidfd it first waits for the init to exit (an event, no sleeping).
bool wait_empty(cgroup::Manager& cg, int seconds, const proc::PidFd* init = nullptr) {
    double end = now_s() + seconds;
    if (init && seconds > 0) wait_init(*init, end);
    long delay_ns = 500 * 1000;
    for (;;) {
        auto p = cg.pids();
        if (p && p->empty()) return true;
        if (now_s() >= end) return false;
        // Processes outside the init's pid namespace (or an init that ignores the signal):
        // poll from 0.5 ms and back off to 20 ms, so a quick guest is not held for a fixed
        // 20 ms and a slow one costs little CPU.
        struct timespec ts {
            0, delay_ns
        };
        ::nanosleep(&ts, nullptr);
        delay_ns = std::min<long>(delay_ns * 2, 20L * 1000 * 1000);
    }
}

/// apps/init/killseq: each step signals every process of the guest, then waits. True when the
/// guest was seen empty.
bool kill_sequence(const spec::GuestSpec& spec, cgroup::Manager& cg, const proc::PidFd& init) {
    for (const auto& step : spec.init.killseq) {
        if (wait_empty(cg, 0)) return true;
        if (step.signal == SIGKILL) {
            if (auto r = cg.kill_all(); !r) log::warn("killseq: {}", r.error().what());
        } else if (auto r = cg.signal_all(step.signal); !r) {
            log::warn("killseq: {}", r.error().what());
        }
        if (wait_empty(cg, step.wait_s, &init)) return true;
    }
    return false;
}

/// Phase "shut down inside": the style's stop command, then cmd.stop-sync, each bounded by
/// apps/init/timeout. One that outlives the bound means the guest will not go down by itself:
/// the rest is skipped with a message and the kill sequence takes over.
void shut_down_inside(const spec::GuestSpec& spec, const state::GuestState& st,
                      cgroup::Manager& cg) {
    if (spec.init.style == spec::InitStyle::Systemd && spec.init.cmd_stop.empty()) {
        // systemd's halt request is SIGRTMIN+3 (systemd(1)); SIGTERM would make it re-execute
        // itself. Waited for up to apps/init/timeout, then the kill sequence goes on.
        auto init = open_init(st);
        if (init.valid() && init.send_signal(SIGRTMIN + 3))
            wait_init(init, now_s() + (spec.init.timeout_s > 0 ? spec.init.timeout_s : 1e9));
        if (auto r =
                run_guest_command(spec, st, cg, spec.init.cmd_stop_sync, "apps/init/cmd.stop-sync");
            !r)
            log::warn("{}; killing the guest", r.error().what());
        return;
    }
    const char* what = spec.init.cmd_stop.empty() ? "stop command" : "apps/init/cmd.stop";
    auto r = run_guest_command(spec, st, cg, stop_command(spec), what);
    if (r) r = run_guest_command(spec, st, cg, spec.init.cmd_stop_sync, "apps/init/cmd.stop-sync");
    if (!r) log::warn("{}; killing the guest", r.error().what());
}

}  // namespace

/// The body of stop, with the lock already held (delete and restart reuse it).
Status stop_locked(const config::Paths& paths, const spec::GuestSpec& spec, bool quiet_if_stopped) {
    const std::string& name = spec.name;
    std::string run = paths.guest_run(name);
    auto cg = VS_TRY(open_cgroup(paths, name));
    auto seen = observe(paths, name, cg.get(), true);
    auto d = state::derive(seen);
    if (d.status == state::RunStatus::Stopped && !d.needs_cleanup) {
        if (quiet_if_stopped) return ok();
        return make_error(0, "guest \"{}\" is not running", name);
    }
    if (d.status != state::RunStatus::Running) {
        // An interrupted start or stop: finish the job without the guest's cooperation.
        log::info("guest \"{}\": cleaning up after an interrupted start or stop", name);
        VS_TRY(cleanup(paths, spec, *cg).wrap("stop guest \"{}\"", name));
        return ok();
    }

    state::GuestState st = *seen.state;
    st.phase = state::Phase::Stopping;
    VS_TRY(state::save(run, st));
    VS_TRY(fault_point("stopping"));

    if (auto r = run_hooks(spec, "pre-stop"); !r) log::warn("{}", r.error().what());
    if (cgroup::is_frozen(*cg)) {
        // A frozen guest can neither run its stop commands (a process joining a frozen cgroup
        // freezes too) nor act on SIGTERM: SIGKILL is queued to every task while frozen, then
        // the thaw lets them die without running guest code again (a v1-frozen task ignores
        // even SIGKILL until thawed); kill_all catches what the listing missed.
        log::warn("guest \"{}\" is frozen: killing it without its stop commands", name);
        (void)cg->signal_all(SIGKILL);
        VS_TRY(cgroup::thaw_all(*cg).wrap("stop guest \"{}\": thaw", name));
        VS_TRY(cg->kill_all().wrap("stop guest \"{}\"", name));
    } else {
        shut_down_inside(spec, st, *cg);
        // A killseq without SIGKILL, or a process it missed: kill_all finishes the job. The
        // sequence lists one hierarchy; the rmdirs below check every one of them.
        if (!kill_sequence(spec, *cg, open_init(st)))
            VS_TRY(cg->kill_all().wrap("stop guest \"{}\"", name));
    }
    VS_TRY(fault_point("after-kill"));

    net::SetupContext nc;
    nc.init_pid = st.init_pid;
    nc.cgroup2_path = cg->unified_path();
    nc.run_dir = run;
    nc.run_base = paths.run_dir;
    VS_TRY(net::teardown_guest(spec, nc).wrap("stop guest \"{}\"", name));
    // Usually one rmdir per hierarchy; a process the listing above could not see (a stray in
    // a v1 hierarchy only) makes the kernel refuse one, and then the thorough kill runs.
    if (!VS_TRY(cg->destroy_if_empty().wrap("stop guest \"{}\"", name))) {
        VS_TRY(cg->kill_all().wrap("stop guest \"{}\"", name));
        VS_TRY(cg->destroy().wrap("stop guest \"{}\"", name));
    }
    VS_TRY(clear_join_profile(run));
    release_identity(paths, name);
    console::forget(paths, spec.name);
    release_layered_root(spec);
    VS_TRY(state::clear(run));
    if (auto r = run_hooks(spec, "post-stop"); !r) log::warn("{}", r.error().what());
    return ok();
}

Status stop(const config::Paths& paths, const spec::GuestSpec& spec) {
    auto lock = VS_TRY(state::GuestLock::acquire(paths.guest_run(spec.name)));
    VS_TRY(fault_point("after-lock"));
    VS_TRY(stop_locked(paths, spec, false));
    // A user-namespaced layered guest's own overlay left with it: the host's is mounted again,
    // so its root path shows its files as a classic layered guest's does after a stop.
    if (spec.layered && spec.ns.user)
        if (auto r = store::ensure_root_mounted(spec); !r)
            log::warn("guest \"{}\" stopped, but its root was not mounted again: {}", spec.name,
                      r.error().what());
    return ok();
}

Status restart(const config::Paths& paths, const spec::GuestSpec& spec) {
    {
        auto lock = VS_TRY(state::GuestLock::acquire(paths.guest_run(spec.name)));
        VS_TRY(stop_locked(paths, spec, true));
    }
    // start takes the lock itself; a start racing in between makes ours fail "already running",
    // which is the truth.
    return start(paths, spec);
}

Result<bool> condrestart(const config::Paths& paths, const spec::GuestSpec& spec) {
    auto s = VS_TRY(status(paths, spec.name));
    if (s.status != state::RunStatus::Running) return false;
    VS_TRY(restart(paths, spec));
    return true;
}

}  // namespace vs::runtime
