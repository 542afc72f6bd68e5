// restart and condrestart: stop then start, both under one lock so no other command slips in.
#include "runtime/guest.hpp"
#include "runtime/runtime.hpp"
#include "state/lock.hpp"

namespace vs::runtime {

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
