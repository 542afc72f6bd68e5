// stop: pre-stop hooks, the style's stop command inside, killseq over the cgroup, cgroup kill,
// network teardown, cgroup removal, state cleared, post-stop hooks.
#include <signal.h>
#include <time.h>

#include <algorithm>

#include "base/try_wrap.hpp"
#include "base/log.hpp"
#include "net/guest_network.hpp"
#include "runtime/fault.hpp"
#include "runtime/guest.hpp"
#include "runtime/hooks.hpp"
#include "runtime/init_command.hpp"
#include "runtime/init_sync.hpp"
#include "runtime/join.hpp"
#include "runtime/runtime.hpp"
#include "state/lock.hpp"

namespace vs::runtime {

namespace {

double now_s() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Waits up to `seconds` for the cgroup to hold no process; true when it is empty.
bool wait_empty(cgroup::Manager& cg, int seconds) {
    double end = now_s() + seconds;
    long delay_ns = 500 * 1000;
    for (;;) {
        auto p = cg.pids();
        if (p && p->empty()) return true;
        if (now_s() >= end) return false;
        // A reaper init exits within a millisecond of SIGTERM: start polling at 0.5 ms and back
        // off to 20 ms, so a quick guest is not held for a fixed 20 ms and a slow one costs
        // little CPU.
        struct timespec ts {0, delay_ns};
        ::nanosleep(&ts, nullptr);
        delay_ns = std::min<long>(delay_ns * 2, 20L * 1000 * 1000);
    }
}

/// apps/init/killseq: each step signals every process of the guest, then waits.
void kill_sequence(const spec::GuestSpec& spec, cgroup::Manager& cg) {
    for (const auto& step : spec.init.killseq) {
        if (wait_empty(cg, 0)) return;
        if (step.signal == SIGKILL) {
            if (auto r = cg.kill_all(); !r) log::warn("killseq: {}", r.error().what());
        } else if (auto r = cg.signal_all(step.signal); !r) {
            log::warn("killseq: {}", r.error().what());
        }
        if (wait_empty(cg, step.wait_s)) return;
    }
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
        VS_TRY_WRAP(cleanup(paths, spec, *cg), "stop guest \"{}\"", name);
        return ok();
    }

    state::GuestState st = *seen.state;
    st.phase = state::Phase::Stopping;
    VS_TRY(state::save(run, st));
    VS_TRY(fault_point("stopping"));

    if (auto r = run_hooks(spec, "pre-stop"); !r) log::warn("{}", r.error().what());
    run_guest_command(spec, st, *cg, stop_command(spec),
                      spec.init.cmd_stop.empty() ? "stop command" : "apps/init/cmd.stop");
    run_guest_command(spec, st, *cg, spec.init.cmd_stop_sync, "apps/init/cmd.stop-sync");
    kill_sequence(spec, *cg);
    VS_TRY_WRAP(cg->kill_all(), "stop guest \"{}\"", name);
    VS_TRY(fault_point("after-kill"));

    net::SetupContext nc;
    nc.init_pid = st.init_pid;
    nc.cgroup2_path = cg->unified_path();
    nc.run_dir = run;
    nc.config_base = paths.config_dir;
    nc.run_base = paths.run_dir;
    VS_TRY_WRAP(net::teardown_guest(spec, nc), "stop guest \"{}\"", name);
    VS_TRY_WRAP(cg->destroy(), "stop guest \"{}\"", name);
    VS_TRY(state::clear(run));
    if (auto r = run_hooks(spec, "post-stop"); !r) log::warn("{}", r.error().what());
    return ok();
}

Status stop(const config::Paths& paths, const spec::GuestSpec& spec) {
    auto lock = VS_TRY(state::GuestLock::acquire(paths.guest_run(spec.name)));
    VS_TRY(fault_point("after-lock"));
    return stop_locked(paths, spec, false);
}

}  // namespace vs::runtime
