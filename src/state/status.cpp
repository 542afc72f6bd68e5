// Status derivation.
#include "state/status.hpp"

#include <fmt/format.h>

namespace vs::state {

const char* run_status_name(RunStatus s) {
    switch (s) {
        case RunStatus::Running:
            return "running";
        case RunStatus::Stopped:
            return "stopped";
        case RunStatus::Starting:
            return "starting";
        case RunStatus::Stopping:
            return "stopping";
        case RunStatus::Broken:
            return "broken";
    }
    return "?";
}

Derived derive(const Observation& o) {
    Derived d;
    size_t n = o.cgroup_pids.size();
    if (o.lock_held && o.state) {
        // Someone is working on the guest right now; report what they said they are doing.
        d.status = o.state->phase == Phase::Stopping   ? RunStatus::Stopping
                   : o.state->phase == Phase::Starting ? RunStatus::Starting
                                                       : RunStatus::Running;
        if (d.status == RunStatus::Running && !o.init_alive) d.status = RunStatus::Stopping;
        return d;
    }
    if (o.state && o.state->phase == Phase::Running && o.init_alive) {
        d.status = RunStatus::Running;
        return d;
    }
    if (!o.state && n == 0 && !o.cgroup_exists) {
        d.status = RunStatus::Stopped;
        return d;
    }
    // Anything else is a leftover: explain it in one line.
    d.needs_cleanup = true;
    if (o.state && o.state->phase == Phase::Running && !o.init_alive && n == 0) {
        d.status = RunStatus::Stopped;
        d.detail =
            "the guest's init exited; stale state will be cleaned up by the next start or stop";
        return d;
    }
    if (n == 0) {
        d.status = RunStatus::Stopped;
        d.detail =
            o.state
                ? fmt::format(
                      "an interrupted {} left state behind; the next start or stop cleans it up",
                      o.state->phase == Phase::Stopping ? "stop" : "start")
                : "an empty cgroup was left behind; the next start or stop removes it";
        return d;
    }
    d.status = RunStatus::Broken;
    const char* what = !o.state                            ? "processes without state"
                       : o.state->phase == Phase::Starting ? "an interrupted start"
                       : o.state->phase == Phase::Stopping ? "an interrupted stop"
                                                           : "processes whose init is gone";
    d.detail =
        fmt::format("{} left {} process{} in the guest's cgroup; `stop` or `start` repairs it",
                    what, n, n == 1 ? "" : "es");
    return d;
}

}  // namespace vs::state
