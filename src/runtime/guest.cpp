// Shared verb helpers, status, and the fault points of start and stop.
#include "runtime/guest.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "base/sys.hpp"
#include "net/guest_network.hpp"
#include "ns/join.hpp"
#include "proc/proc_info.hpp"
#include "runtime/identity.hpp"
#include "runtime/join_profile.hpp"
#include "runtime/console.hpp"
#include "runtime/lxcfs.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"
#include "store/layered_root.hpp"

namespace vs::runtime {

Result<std::unique_ptr<cgroup::Manager>> open_cgroup(const config::Paths& paths,
                                                     const std::string& name) {
    cgroup::Options o;
    o.root = paths.cgroup_root;
    o.parent = paths.cgroup_parent;
    o.name = name;
    return cgroup::open(o);
}

state::Observation observe(const config::Paths& paths, const std::string& name, cgroup::Manager* cg,
                           bool caller_holds_lock) {
    state::Observation o;
    std::string run = paths.guest_run(name);
    if (auto s = state::load(run); s) {
        o.state = std::move(*s);
    } else {
        log::warn("{}", s.error().what());
    }
    o.lock_held = !caller_holds_lock && state::GuestLock::held_by_other(run);
    if (cg) {
        o.cgroup_exists = cg->exists();
        if (o.cgroup_exists)
            if (auto p = cg->pids(); p) o.cgroup_pids = std::move(*p);
    }
    if (o.state && o.state->init_pid > 0) {
        o.init_alive = proc::is_alive(o.state->init_pid, o.state->init_start_time);
    }
    return o;
}

Status cleanup(const config::Paths& paths, const spec::GuestSpec& spec, cgroup::Manager& cg) {
    std::string run = paths.guest_run(spec.name);
    if (cg.exists() && cgroup::is_frozen(cg)) {
        // SIGKILL queued while frozen, then thawed: a v1-frozen task ignores SIGKILL until then.
        (void)cg.signal_all(SIGKILL);
        VS_TRY(cgroup::thaw_all(cg).wrap("thaw the guest"));
    }
    if (cg.exists()) VS_TRY(cg.kill_all().wrap("kill the guest's processes"));
    net::SetupContext nc;
    nc.cgroup2_path = cg.unified_path();
    nc.run_dir = run;
    nc.run_base = paths.run_dir;
    VS_TRY(net::teardown_guest(spec, nc).wrap("remove the guest's network"));
    if (cg.exists()) VS_TRY(cg.destroy().wrap("remove the guest's cgroup"));
    VS_TRY(clear_join_profile(run));
    release_identity(paths, spec.name);
    console::forget(paths, spec.name);
    release_layered_root(spec);
    VS_TRY(state::clear(run));
    return ok();
}

void release_layered_root(const spec::GuestSpec& spec) {
    // Busy (a host process in it): left for the next start, which refuses naming the root, or
    // for the tools, which still find the guest's files there.
    if (auto r = store::release_userns_root(spec); !r)
        log::warn("guest \"{}\" stopped, but its layered root stays mounted: {}", spec.name,
                  r.error().what());
}

Result<StatusReport> status(const config::Paths& paths, const std::string& name) {
    VS_TRY(spec::validate_name(name));
    auto cg = VS_TRY(open_cgroup(paths, name));
    auto seen = observe(paths, name, cg.get(), false);
    auto d = state::derive(seen);
    StatusReport r;
    r.status = d.status;
    r.detail = d.detail;
    r.processes = seen.cgroup_pids.size();
    if (seen.state) {
        r.context = seen.state->context;
        if (seen.init_alive) {
            double started = static_cast<double>(seen.state->init_start_time) /
                             static_cast<double>(proc::clock_ticks());
            r.uptime_s = proc::uptime_seconds() - started;
            r.warning = lxcfs::guest_problem(paths, name, seen.state->init_pid);
            r.socket_guard_gap = seen.state->socket_guard_gap;
            r.init_pid = seen.state->init_pid;
            r.init_start_time = seen.state->init_start_time;
            if (auto c = console::guest_problem(paths, name); !c.empty())
                r.warning = r.warning.empty() ? c : r.warning + "; " + c;
        }
    }
    return r;
}

bool runs_classic(const StatusReport& report) {
    if (report.status != state::RunStatus::Running || report.init_pid <= 0) return false;
    // What runs, not what the config says now: the userns file may have changed since.
    auto u = ns::differing_namespaces(report.init_pid, CLONE_NEWUSER);
    // Read from the pid status() saw alive: still that init only if its start time matches.
    if (!u || !proc::is_alive(report.init_pid, report.init_start_time)) return false;
    return (*u & CLONE_NEWUSER) == 0;
}

Status fault_point(const char* point) { return vs::fault_point(point); }

}  // namespace vs::runtime
