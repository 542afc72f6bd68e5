// Cross-file rules applied once every file of a guest's config has been read.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/derive.hpp"
#include "config/vserver/registry.hpp"
#include "spec/context_flags.hpp"

namespace vs::config::vserver {

namespace {

Status finalize_interfaces(spec::GuestSpec& s, LoadState& st) {
    size_t enabled = 0, shared = 0;
    for (const auto& i : s.interfaces) {
        if (i.ip.empty()) return make_error(EINVAL, "{}/interfaces/{}: no ip file", st.dir, i.id);
        if (i.disabled) continue;
        ++enabled;
        if (i.mode == "shared") ++shared;
    }
    // Shared mode is VServer's original model: no network namespace, the host stack with binds
    // confined to the guest's addresses.
    if (enabled && shared == enabled) s.ns.net = false;
    return ok();
}

Status finalize_sched(spec::GuestSpec& s, LoadState& st) {
    if (!st.sched_fill_rate && !st.sched_interval) return ok();
    if (!st.sched_fill_rate)
        return make_error(EINVAL, "{}: sched/interval needs sched/fill-rate",
                          st.sched_interval_path);
    if (!st.sched_interval)
        return make_error(EINVAL, "{}: sched/fill-rate needs sched/interval",
                          st.sched_fill_rate_path);
    if (st.cpu_max_set) {
        st.warnings.push_back(st.sched_fill_rate_path +
                              ": limits/cpu.max is set and wins over "
                              "sched/fill-rate and sched/interval");
        return ok();
    }
    constexpr uint64_t kPeriod = 100000;
    uint64_t quota = kPeriod * *st.sched_fill_rate / *st.sched_interval;
    if (quota < 1000)
        return make_error(EINVAL,
                          "{}: fill-rate {} / interval {} is below the kernel's minimum "
                          "CPU quota (1% of one CPU)",
                          st.sched_fill_rate_path, *st.sched_fill_rate, *st.sched_interval);
    s.resources.cpu_quota_us = static_cast<int64_t>(quota);
    s.resources.cpu_period_us = kPeriod;
    return ok();
}

void finalize_rlimits(spec::GuestSpec& s, const LoadState& st) {
    auto d = resources_from_rlimits(s);
    if (!st.pids_max_set && d.pids_max) s.resources.pids_max = d.pids_max;
    if (!st.memory_max_set && d.memory_max) s.resources.memory_max = d.memory_max;
    if (!st.memory_high_set && d.memory_high) s.resources.memory_high = d.memory_high;
}

Status finalize_dlimits(spec::GuestSpec& s, LoadState& st) {
    constexpr unsigned kRequired = 1 | 2 | 4;  // directory, space_total, inodes_total
    for (const auto& d : s.dlimits) {
        if (d.disabled) continue;
        if ((st.dlimit_seen[d.id] & kRequired) != kRequired)
            return make_error(EINVAL,
                              "{}/dlimits/{}: directory, space_total and inodes_total "
                              "are all required",
                              st.dir, d.id);
    }
    return ok();
}

}  // namespace

Status finalize(spec::GuestSpec& s, LoadState& st) {
    VS_TRY(finalize_interfaces(s, st));
    VS_TRY(finalize_sched(s, st));
    finalize_rlimits(s, st);
    VS_TRY(finalize_dlimits(s, st));
    if (s.layered && (s.layered->lower.empty() || s.layered->upper.empty()))
        return make_error(EINVAL, "{}: layered/lower and layered/upper go together", st.dir);
    VS_TRY(spec::apply_context_mechanisms(s).wrap("{}", st.dir));
    return ok();
}

}  // namespace vs::config::vserver
