// describe(GuestSpec): every field as text, so tests can compare whole specs and show the diff.
#pragma once

#include <fmt/format.h>

#include <string>

#include "base/strings.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver::test {

inline std::string opt(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; }
inline std::string optu(const std::optional<uint64_t>& v) { return v ? std::to_string(*v) : "-"; }

inline std::string describe(const spec::GuestSpec& s) {
    std::string o;
    auto add = [&](const std::string& k, const std::string& v) { o += k + "=" + v + "\n"; };
    add("name", s.name);
    add("context", s.context ? std::to_string(*s.context) : "-");
    add("nodename", s.nodename);
    add("domainname", s.domainname);
    add("root", s.root);
    add("cache_dir", s.cache_dir);
    add("default_dev", s.default_dev);
    add("default_prefix", std::to_string(s.default_prefix));
    for (const auto& i : s.interfaces)
        add("iface",
            fmt::format("{} {} /{} dev={} name={} nodev={} disabled={} mode={} mac={} gw={}", i.id,
                        i.ip, i.prefix, i.dev, i.name, i.nodev, i.disabled, i.mode, i.mac,
                        i.gateway));
    add("bounding", fmt::format("{:x}", s.caps.bounding));
    add("ccaps", str::join(s.caps.ccaps, ","));
    add("ping_sockets", std::to_string(s.caps.ping_sockets));
    add("allow_namespaces", std::to_string(s.caps.allow_namespaces));
    add("flags", str::join(s.flags.names, ","));
    add("flag_bits",
        fmt::format("{}{}{}", s.flags.private_ctx, s.flags.virt_uptime, s.flags.sched_pause));
    add("ns", fmt::format("user={} time={} net={}", s.ns.user, s.ns.time, s.ns.net));
    add("idmap", s.idmap ? fmt::format("{} {}", s.idmap->host_base, s.idmap->count) : "-");
    add("nnp", std::to_string(s.no_new_privs));
    add("seccomp", s.seccomp_profile);
    add("style", std::to_string(static_cast<int>(s.init.style)));
    add("mark", s.init.mark);
    add("runlevels", s.init.runlevel_start + "/" + s.init.runlevel_stop);
    for (const auto& k : s.init.killseq) add("kill", fmt::format("{}:{}", k.signal, k.wait_s));
    add("cmd_start", str::join(s.init.cmd_start, "|"));
    add("cmd_stop", str::join(s.init.cmd_stop, "|"));
    add("cmd_prepare", str::join(s.init.cmd_prepare, "|"));
    add("depends", str::join(s.init.depends, ","));
    add("env", str::join(s.init.environment, ","));
    add("shell", s.shell);
    add("nice", s.nice ? std::to_string(*s.nice) : "-");
    add("oom", s.oom_score_adj ? std::to_string(*s.oom_score_adj) : "-");
    add("personality", s.personality ? std::to_string(*s.personality) : "-");
    for (const auto* m : {&s.rlimits, &s.ulimits})
        for (const auto& [r, l] : *m)
            add(m == &s.rlimits ? "rlimit" : "ulimit",
                fmt::format("{} {} {} {}", r, optu(l.soft), optu(l.hard), optu(l.min)));
    for (const auto& f : s.fstab)
        add("fstab", fmt::format("{}|{}|{}|{}", f.source, f.target, f.fstype, f.options));
    for (const auto& d : s.dlimits)
        add("dlimit", fmt::format("{} {} {} {} {} {}", d.id, d.directory, d.space_total_kib,
                                  d.inodes_total, d.reserved_pct, d.disabled));
    const auto& r = s.resources;
    add("mem", opt(r.memory_max) + " " + opt(r.memory_high) + " " + opt(r.memory_swap_max));
    add("cpu", optu(r.cpu_weight) + " " + opt(r.cpu_quota_us) + " " + optu(r.cpu_period_us));
    add("cpuset", r.cpuset_cpus.value_or("-") + " " + r.cpuset_mems.value_or("-"));
    add("pids", opt(r.pids_max));
    add("io", optu(r.io_weight));
    for (const auto& [k, v] : r.hugetlb_max) add("hugetlb", k + "=" + v);
    for (const auto& [k, v] : r.passthrough) add("cgroup", k + "=" + v);
    for (const auto& [p, l] : s.scripts.by_phase) add("scripts", p + ":" + str::join(l, ","));
    return o;
}

}  // namespace vs::config::vserver::test
