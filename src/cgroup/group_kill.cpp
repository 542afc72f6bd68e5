// Group: freezing, signalling and killing every process of a guest, bounded in time.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_signal.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/group.hpp"
#include "cgroup/v1/controllers.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup {

namespace {

using Clock = std::chrono::steady_clock;

void pause_briefly() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }

std::string pid_list(const std::vector<pid_t>& v) {
    std::vector<std::string> s;
    for (size_t i = 0; i < v.size() && i < 10; ++i) s.push_back(std::to_string(v[i]));
    if (v.size() > 10) s.push_back("...");
    return str::join(s, " ");
}

}  // namespace

Status Group::freeze(bool frozen) {
    // cgroup2's freezer first: a frozen task there still dies on SIGKILL, so stop works on a
    // frozen guest without thawing it first.
    if (h_.v2 && sys::exists(leaf(*h_.v2) + "/cgroup.freeze"))
        return v2::freeze(leaf(*h_.v2), frozen, opt_.timeout_ms).wrap("freeze guest {}", opt_.name);
    if (const Hierarchy* h = v1_with("freezer"))
        return v1::freeze(leaf(*h), frozen, opt_.timeout_ms).wrap("freeze guest {}", opt_.name);
    return make_error(ENOTSUP, "freeze guest {}: no freezer (no v1 freezer hierarchy, no cgroup2)",
                      opt_.name);
}

Status Group::signal_all(int sig) {
    auto v = VS_TRY(pids().wrap("signal guest {}", opt_.name));
    for (pid_t p : v) VS_TRY(sys::send_signal(p, sig).wrap("signal guest {}", opt_.name));
    return ok();
}

Status Group::kill_all() {
    auto deadline = Clock::now() + std::chrono::milliseconds(opt_.timeout_ms);
    std::string kill_file = h_.v2 ? leaf(*h_.v2) + "/cgroup.kill" : std::string();
    bool has_kill = h_.v2 && sys::exists(kill_file);
    const Hierarchy* v1_freezer = v1_with("freezer");
    bool v2_freezer = h_.v2 && sys::exists(leaf(*h_.v2) + "/cgroup.freeze");
    for (;;) {
        if (VS_TRY(empty().wrap("kill guest {}", opt_.name))) return ok();
        // cgroup.kill (5.14+) kills the whole subtree in the kernel, forks included; every
        // round repeats it in case a task was moved in meanwhile.
        if (has_kill) VS_TRY(fs::write(kill_file, "1").wrap("kill guest {}", opt_.name));
        auto v = VS_TRY(all_pids().wrap("kill guest {}", opt_.name));
        if (!v.empty()) {
            // Without cgroup.kill a fork loop outruns one pass of kill(2): freeze first so
            // the set of tasks is fixed, SIGKILL each, then thaw so the kills take effect.
            bool frozen = false;
            if (!has_kill && v1_freezer) {
                // A task stuck in D state keeps the group FREEZING: kill anyway after the bound.
                frozen = true;
                (void)v1::freeze(leaf(*v1_freezer), true, std::min(opt_.timeout_ms, 1000));
                v = VS_TRY(all_pids().wrap("kill guest {}", opt_.name));
            } else if (!has_kill && v2_freezer) {
                frozen = true;
                (void)v2::freeze(leaf(*h_.v2), true, std::min(opt_.timeout_ms, 1000));
                v = VS_TRY(all_pids().wrap("kill guest {}", opt_.name));
            }
            for (pid_t p : v) VS_TRY(sys::send_signal(p, SIGKILL).wrap("kill guest {}", opt_.name));
            if (frozen) {
                if (v1_freezer && !has_kill)
                    VS_TRY(
                        v1::freeze(leaf(*v1_freezer), false, 0).wrap("kill guest {}", opt_.name));
                else
                    VS_TRY(v2::freeze(leaf(*h_.v2), false, 0).wrap("kill guest {}", opt_.name));
            }
        }
        if (Clock::now() > deadline) {
            auto left = all_pids().value_or(std::vector<pid_t>{});
            return make_error(ETIMEDOUT,
                              "kill guest {}: {} process(es) still alive after {} ms: {}",
                              opt_.name, left.size(), opt_.timeout_ms, pid_list(left));
        }
        pause_briefly();
    }
}

}  // namespace vs::cgroup
