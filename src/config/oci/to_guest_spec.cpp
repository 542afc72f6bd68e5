// oci::Spec -> spec::GuestSpec (the parts the classic runtime understands) and
// linux.resources -> spec::Resources.
#include "config/oci/to_guest_spec.hpp"

#include <cerrno>

#include "base/strings.hpp"
#include "cgroup/convert.hpp"
#include "spec/capabilities.hpp"
#include "spec/validate.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

void note(std::vector<std::string>* v, std::string path) {
    if (v) v->push_back(std::move(path));
}

}  // namespace

Result<spec::Resources> to_resources(const so::Resources& r, std::vector<std::string>* nm) {
    spec::Resources out;
    const std::string p = "linux.resources";
    if (const auto& m = r.memory) {
        // 0 is Go's "not set" for these (runc skips it too).
        if (m->limit && *m->limit != 0) out.memory_max = *m->limit;
        if (m->swap && *m->swap != 0) {
            // OCI swap is memory plus swap (the v1 memsw knob); spec::Resources holds swap
            // alone, as cgroup v2's memory.swap.max.
            if (*m->swap == -1 || (out.memory_max && *out.memory_max == -1)) {
                out.memory_swap_max = -1;
            } else if (!out.memory_max) {
                return make_error(EINVAL,
                                  "{}.memory.swap: {} given without memory.limit (swap is the "
                                  "limit of memory plus swap)",
                                  p, *m->swap);
            } else {
                out.memory_swap_max = *m->swap - *out.memory_max;
            }
        }
        for (auto [k, set] : {std::pair{"reservation", m->reservation && *m->reservation != 0},
                              {"kernelTCP", m->kernel_tcp && *m->kernel_tcp != 0},
                              {"swappiness", m->swappiness.has_value()},
                              {"disableOOMKiller", m->disable_oom_killer.value_or(false)},
                              {"useHierarchy", m->use_hierarchy.has_value()},
                              {"checkBeforeUpdate", m->check_before_update.value_or(false)}})
            if (set) note(nm, fmt::format("{}.memory.{}", p, k));
    }
    if (const auto& c = r.cpu) {
        if (c->shares) out.cpu_weight = cgroup::weight_from_shares(*c->shares);
        if (c->quota && *c->quota != 0) out.cpu_quota_us = *c->quota;
        if (c->period) out.cpu_period_us = *c->period;
        if (c->cpus) out.cpuset_cpus = *c->cpus;
        if (c->mems) out.cpuset_mems = *c->mems;
        for (auto [k, set] : {std::pair{"burst", c->burst && *c->burst != 0},
                              {"realtimeRuntime", c->realtime_runtime && *c->realtime_runtime != 0},
                              {"realtimePeriod", c->realtime_period && *c->realtime_period != 0},
                              {"idle", c->idle && *c->idle != 0}})
            if (set) note(nm, fmt::format("{}.cpu.{}", p, k));
    }
    // The spec: pids.limit 0 or -1 is unlimited.
    if (r.pids_limit) out.pids_max = *r.pids_limit <= 0 ? -1 : *r.pids_limit;
    if (const auto& b = r.block_io) {
        if (b->weight) out.io_weight = cgroup::io_weight_from_blkio_weight(*b->weight);
        if (b->leaf_weight) note(nm, p + ".blockIO.leafWeight");
        if (!b->weight_device.empty()) note(nm, p + ".blockIO.weightDevice");
        if (!b->throttle_read_bps.empty()) note(nm, p + ".blockIO.throttleReadBpsDevice");
        if (!b->throttle_write_bps.empty()) note(nm, p + ".blockIO.throttleWriteBpsDevice");
        if (!b->throttle_read_iops.empty()) note(nm, p + ".blockIO.throttleReadIOPSDevice");
        if (!b->throttle_write_iops.empty()) note(nm, p + ".blockIO.throttleWriteIOPSDevice");
    }
    for (const auto& h : r.hugepage_limits) out.hugetlb_max[h.page_size] = std::to_string(h.limit);
    if (r.network) note(nm, p + ".network");
    if (!r.rdma.empty()) note(nm, p + ".rdma");
    for (const auto& [file, value] : r.unified) out.passthrough[file] = value;
    return out;
}

Result<spec::GuestSpec> to_guest_spec(const so::Spec& s, const std::string& id,
                                      std::vector<std::string>* nm) {
    VS_TRY(spec::validate_name(id).wrap("container id"));
    spec::GuestSpec g;
    g.name = id;
    if (s.root) g.root = s.root->path;
    g.nodename = s.hostname;
    g.domainname = s.domainname;
    // No classic defaults: an OCI container gets what its config says and nothing else.
    g.init.environment.clear();
    g.seccomp_profile = "unconfined";
    if (s.linux.seccomp) note(nm, "linux.seccomp");
    if (s.process) {
        const auto& pr = *s.process;
        g.caps.bounding = pr.capabilities ? pr.capabilities->bounding : 0;
        g.no_new_privs = pr.no_new_privileges;
        g.oom_score_adj = pr.oom_score_adj;
        for (size_t i = 0; i < pr.rlimits.size(); ++i) {
            const auto& rl = pr.rlimits[i];
            std::string name = str::lower(rl.type.substr(7));  // "RLIMIT_NOFILE" -> "nofile"
            if (name == "nproc" || name == "rttime") {
                note(nm, fmt::format("process.rlimits[{}]", i));
                continue;
            }
            g.rlimits[name] = rl.limit;
        }
    }
    if (s.linux.personality) g.personality = s.linux.personality->persona;
    if (s.linux.resources) g.resources = VS_TRY(to_resources(*s.linux.resources, nm));

    g.ns.net = false;
    for (size_t i = 0; i < s.linux.namespaces.size(); ++i) {
        const auto& n = s.linux.namespaces[i];
        bool joined = !n.path.empty();
        if (joined) note(nm, fmt::format("linux.namespaces[{}].path", i));
        switch (n.type) {
            case so::NamespaceType::User:
                g.ns.user = !joined;
                break;
            case so::NamespaceType::Time:
                g.ns.time = !joined;
                break;
            case so::NamespaceType::Network:
                g.ns.net = true;
                break;
            default:
                break;
        }
    }
    const auto &um = s.linux.uid_mappings, &gm = s.linux.gid_mappings;
    if (um.size() == 1 && gm.size() == 1 && um[0].container_id == 0 && gm[0].container_id == 0 &&
        um[0].host_id == gm[0].host_id && um[0].size == gm[0].size)
        g.idmap = spec::IdMap{um[0].host_id, um[0].size};
    else if (!um.empty() || !gm.empty())
        note(nm, "linux.uidMappings");
    auto st = spec::validate(g);
    if (!st) return std::move(std::move(st).wrap("container {}", id)).error();
    return g;
}

}  // namespace vs::config::oci
