// Group: freezing, signalling and killing every process of a guest, bounded in time.
#include <signal.h>

#include <chrono>
#include <thread>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_signal.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/group.hpp"

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

Status Group::freeze_v1(const std::string& dir, bool frozen, bool wait) {
    std::string file = dir + "/freezer.state";
    const char* want = frozen ? "FROZEN" : "THAWED";
    VS_TRY(fs::write(file, want));
    if (!wait) return ok();
    // Freezing is asynchronous: the state reads FREEZING until every task stopped
    // (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst).
    auto deadline = Clock::now() + std::chrono::milliseconds(opt_.timeout_ms);
    for (;;) {
        auto state = VS_TRY(fs::read_trimmed(file));
        if (state == want) return ok();
        if (Clock::now() > deadline)
            return make_error(ETIMEDOUT, "freeze \"{}\": still {} after {} ms", file, state,
                              opt_.timeout_ms);
        pause_briefly();
    }
}

Status Group::freeze_v2(const std::string& dir, bool frozen, bool wait) {
    VS_TRY(fs::write(dir + "/cgroup.freeze", frozen ? "1" : "0"));
    if (!wait) return ok();
    std::string events = dir + "/cgroup.events";
    auto deadline = Clock::now() + std::chrono::milliseconds(opt_.timeout_ms);
    for (;;) {
        auto v = VS_TRY(fs::read_key(events, "frozen"));
        if (v && (*v != 0) == frozen) return ok();
        if (Clock::now() > deadline)
            return make_error(ETIMEDOUT, "freeze \"{}\": not {} after {} ms", dir,
                              frozen ? "frozen" : "thawed", opt_.timeout_ms);
        pause_briefly();
    }
}

Status Group::freeze(bool frozen) {
    // cgroup2's freezer first: a frozen task there still dies on SIGKILL, so stop works on a
    // frozen guest without thawing it first.
    if (h_.v2 && sys::exists(leaf(*h_.v2) + "/cgroup.freeze"))
        return freeze_v2(leaf(*h_.v2), frozen, true).wrap("freeze guest {}", opt_.name);
    if (const Hierarchy* h = v1_with("freezer"))
        return freeze_v1(leaf(*h), frozen, true).wrap("freeze guest {}", opt_.name);
    return make_error(ENOTSUP, "freeze guest {}: no freezer (no v1 freezer hierarchy, no cgroup2)",
                      opt_.name);
}

Status Group::signal_all(int sig) {
    auto v = VS_TRY(fs::owned(all_pids().wrap("signal guest {}", opt_.name)));
    for (pid_t p : v) VS_TRY(fs::owned(sys::send_signal(p, sig).wrap("signal guest {}", opt_.name)));
    return ok();
}

Status Group::kill_all() {
    auto deadline = Clock::now() + std::chrono::milliseconds(opt_.timeout_ms);
    std::string kill_file = h_.v2 ? leaf(*h_.v2) + "/cgroup.kill" : std::string();
    bool has_kill = h_.v2 && sys::exists(kill_file);
    const Hierarchy* v1_freezer = v1_with("freezer");
    bool v2_freezer = h_.v2 && sys::exists(leaf(*h_.v2) + "/cgroup.freeze");
    for (;;) {
        if (VS_TRY(fs::owned(empty().wrap("kill guest {}", opt_.name)))) return ok();
        // cgroup.kill (5.14+) kills the whole subtree in the kernel, forks included; every
        // round repeats it in case a task was moved in meanwhile.
        if (has_kill) VS_TRY(fs::owned(fs::write(kill_file, "1").wrap("kill guest {}", opt_.name)));
        auto v = VS_TRY(fs::owned(all_pids().wrap("kill guest {}", opt_.name)));
        if (!v.empty()) {
            // Without cgroup.kill a fork loop outruns one pass of kill(2): freeze first so
            // the set of tasks is fixed, SIGKILL each, then thaw so the kills take effect.
            bool frozen = false;
            if (!has_kill && v1_freezer) {
                // A task stuck in D state keeps the group FREEZING: kill anyway after the bound.
                frozen = true;
                (void)freeze_v1(leaf(*v1_freezer), true, true);
                v = VS_TRY(fs::owned(all_pids().wrap("kill guest {}", opt_.name)));
            } else if (!has_kill && v2_freezer) {
                frozen = true;
                (void)freeze_v2(leaf(*h_.v2), true, true);
                v = VS_TRY(fs::owned(all_pids().wrap("kill guest {}", opt_.name)));
            }
            for (pid_t p : v) VS_TRY(fs::owned(sys::send_signal(p, SIGKILL).wrap("kill guest {}", opt_.name)));
            if (frozen) {
                if (v1_freezer && !has_kill)
                    VS_TRY(fs::owned(freeze_v1(leaf(*v1_freezer), false, false).wrap("kill guest {}", opt_.name)));
                else
                    VS_TRY(fs::owned(freeze_v2(leaf(*h_.v2), false, false).wrap("kill guest {}", opt_.name)));
            }
        }
        if (Clock::now() > deadline) {
            auto left = all_pids().value_or(std::vector<pid_t>{});
            return make_error(ETIMEDOUT, "kill guest {}: {} process(es) still alive after {} ms: {}",
                              opt_.name, left.size(), opt_.timeout_ms, pid_list(left));
        }
        pause_briefly();
    }
}

}  // namespace vs::cgroup
