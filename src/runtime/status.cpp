// status and the truthful state behind it.
#include "proc/proc_info.hpp"
#include "runtime/guest.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"

namespace vs::runtime {

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
        }
    }
    return r;
}

}  // namespace vs::runtime
