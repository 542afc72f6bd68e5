// Shared verb helpers.
#include "runtime/guest.hpp"

#include "base/log.hpp"
#include "net/guest_network.hpp"
#include "runtime/join_profile.hpp"
#include "proc/proc_info.hpp"
#include "state/lock.hpp"

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
    if (cg.exists()) VS_TRY(cg.kill_all().wrap("kill the guest's processes"));
    net::SetupContext nc;
    nc.cgroup2_path = cg.unified_path();
    nc.run_dir = run;
    nc.run_base = paths.run_dir;
    VS_TRY(net::teardown_guest(spec, nc).wrap("remove the guest's network"));
    if (cg.exists()) VS_TRY(cg.destroy().wrap("remove the guest's cgroup"));
    VS_TRY(clear_join_profile(run));
    VS_TRY(state::clear(run));
    return ok();
}

}  // namespace vs::runtime
