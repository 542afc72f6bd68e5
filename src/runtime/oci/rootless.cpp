// runc's global --rootless: its value, "auto", and an unprivileged caller's state root.
#include "runtime/oci/rootless.hpp"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/safe_read.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "ns/join.hpp"
#include "runtime/oci/id_maps.hpp"

namespace vs::runtime::oci {

Result<std::optional<bool>> parse_rootless(std::string_view v) {
    if (v.empty() || v == "auto") return std::optional<bool>{};
    for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
        if (v == t) return std::optional<bool>{true};
    for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
        if (v == f) return std::optional<bool>{false};
    return make_error(EINVAL, "--rootless \"{}\": use true, false or auto", v);
}

bool rootless_auto() {
    if (::geteuid() != 0) return true;
    // The initial user namespace maps every id to itself: "0 0 4294967295" (user_namespaces(7)).
    auto map = sys::read_regular("/proc/self/uid_map", {4096, false});
    if (!map) return false;
    auto f = str::split_ws(*map);
    return !(f.size() == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295");
}

std::string default_root() {
    if (::geteuid() == 0) return "/run/vsrun";
    const char* xdg = ::getenv("XDG_RUNTIME_DIR");
    if (xdg == nullptr || xdg[0] != '/') return std::string();
    return std::string(xdg) + "/vsrun";
}

Error no_state_root(std::string_view verb) {
    return make_error(EINVAL,
                      "{}: vsrun runs as uid {} and XDG_RUNTIME_DIR is not set (or not "
                      "absolute): give the state root with --root DIR",
                      verb, ::geteuid());
}

namespace {

/// A new user namespace's map of one kind (the parser made sure there is one) maps the
/// process's id. The init
/// becomes root of the new user namespace before it changes to process.user, which an id left
/// unmapped refuses (setresuid(2): EINVAL) inside the child, after the namespaces are made.
Status check_map(const std::vector<spec::oci::IdMapping>& m, uint32_t own, uint32_t id,
                 const char* field, const char* user_field, const std::string& config) {
    if (id_mapped(m, id)) return ok();
    if (own_id_map(m, own))
        return make_error(EPERM, "{}: {} {}: {} maps container id 0 alone", config, user_field, id,
                          field);
    return make_error(EPERM, "{}: {} {}: not mapped by {} ({})", config, user_field, id, field,
                      map_list(m));
}

}  // namespace

Status check_unprivileged(const spec::oci::Spec& spec, const std::string& config) {
    using spec::oci::NamespaceType;
    const uid_t euid = ::geteuid();
    const spec::oci::Namespace* user = nullptr;
    for (const auto& n : spec.linux.namespaces)
        if (n.type == NamespaceType::User) user = &n;
    if (!user)
        return make_error(EPERM,
                          "{}: linux.namespaces: vsrun runs as uid {}: a rootless container "
                          "needs a user namespace (\"vsrun spec --rootless\" writes one)",
                          config, euid);
    const auto* pr = spec.process ? &*spec.process : nullptr;
    if (user->path.empty() && pr) {
        const auto& l = spec.linux;
        VS_TRY(check_map(l.uid_mappings, euid, pr->user.uid, "linux.uidMappings",
                         "process.user.uid", config));
        VS_TRY(check_map(l.gid_mappings, ::getegid(), pr->user.gid, "linux.gidMappings",
                         "process.user.gid", config));
        // Only newgidmap leaves setgroups(2) allowed (id_maps.hpp); the kernel then takes
        // only gids the map covers (EINVAL).
        if (!pr->user.additional_gids.empty() && own_id_map(l.gid_mappings, ::getegid()))
            return make_error(EPERM,
                              "{}: process.user.additionalGids: a rootless container mapping "
                              "only its caller's gid cannot set groups (its user namespace "
                              "denies setgroups(2)); map ranges from /etc/subgid in "
                              "linux.gidMappings",
                              config);
        for (uint32_t g : pr->user.additional_gids)
            if (!id_mapped(l.gid_mappings, g))
                return make_error(EPERM,
                                  "{}: process.user.additionalGids: gid {} is not mapped by "
                                  "linux.gidMappings ({})",
                                  config, g, map_list(l.gid_mappings));
    }
    if (user->path.empty()) VS_TRY(check_sub_ids(spec.linux, config));
    // mount_setattr(2) takes MOUNT_ATTR_IDMAP only from a holder of CAP_SYS_ADMIN over the user
    // namespace of the source's filesystem (the host's for every filesystem vsrun can bind from
    // the host) and over the detached tree's, which open_tree(2) clones in the host's mount
    // namespace: refused here, not with EPERM from open_tree once the namespaces exist.
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        if (!m.idmap) continue;
        const std::string field = m.uid_mappings.empty()
                                      ? fmt::format("mounts[{}].options: \"{}\"", i,
                                                    m.idmap_recursive ? "ridmap" : "idmap")
                                      : fmt::format("mounts[{}].uidMappings", i);
        return make_error(EPERM,
                          "{}: {}: vsrun runs as uid {}: a rootless container cannot have "
                          "idmapped mounts (MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over the user "
                          "namespace of \"{}\"'s filesystem, the host's): drop the mappings, "
                          "or chown the source to ids the container maps",
                          config, field, euid, m.source);
    }
    if (pr) {
        for (const auto& r : pr->rlimits) {
            struct rlimit now {};
            if (::getrlimit(r.resource, &now) < 0 || !r.limit.hard) continue;
            if (*r.limit.hard > now.rlim_max)
                return make_error(EPERM,
                                  "{}: process.rlimits {}: hard limit {} is above vsrun's {}: "
                                  "only root may raise it",
                                  config, r.type, *r.limit.hard, now.rlim_max);
        }
        if (pr->oom_score_adj) {
            auto text = sys::read_regular("/proc/self/oom_score_adj", {64, false});
            auto now = text ? str::parse_i64(str::trim(*text)) : std::nullopt;
            if (now && *pr->oom_score_adj < *now)
                return make_error(EPERM,
                                  "{}: process.oomScoreAdj {} is below vsrun's {}: only root "
                                  "may lower it",
                                  config, *pr->oom_score_adj, *now);
        }
    }
    return ok();
}

Status check_joined_owner(int fd, const spec::oci::Namespace& n, size_t i,
                          const std::string& config) {
    // setns(2) needs CAP_SYS_ADMIN over the namespace's owning user namespace, which an
    // unprivileged caller holds only where it is the owner (user_namespaces(7)).
    const uid_t euid = ::geteuid();
    const auto what = fmt::format("{}: linux.namespaces[{}].path \"{}\"", config, i, n.path);
    auto owner = ns::namespace_owner(fd, n.type == spec::oci::NamespaceType::User);
    // EPERM: the owner is an ancestor of vsrun's own user namespace (ioctl_ns(2)).
    if (!owner && owner.error().code == EPERM)
        return make_error(EPERM,
                          "{}: owned by a user namespace above vsrun's, not by uid {}: a "
                          "rootless container joins only namespaces of its own user",
                          what, euid);
    if (!owner) {
        Error e = std::move(owner).error();
        return std::move(e.wrap(what + ": its owner"));
    }
    if (*owner != euid)
        return make_error(EPERM,
                          "{}: owned by uid {}, not by uid {}: a rootless container joins only "
                          "namespaces of its own user",
                          what, *owner, euid);
    return ok();
}

std::string first_limit(const spec::oci::Resources& r) {
    const std::string at = "linux.resources.";
    if (const auto& m = r.memory) {
        for (auto [name, set] : {std::pair{"limit", m->limit.has_value()},
                                 {"reservation", m->reservation.has_value()},
                                 {"swap", m->swap.has_value()},
                                 {"kernel", m->kernel.has_value()},
                                 {"kernelTCP", m->kernel_tcp.has_value()},
                                 {"swappiness", m->swappiness.has_value()},
                                 {"disableOOMKiller", m->disable_oom_killer.value_or(false)}})
            if (set) return at + "memory." + name;
    }
    if (const auto& c = r.cpu) {
        for (auto [name, set] : {std::pair{"shares", c->shares.has_value()},
                                 {"quota", c->quota.has_value()},
                                 {"burst", c->burst.has_value()},
                                 {"period", c->period.has_value()},
                                 {"realtimeRuntime", c->realtime_runtime.has_value()},
                                 {"realtimePeriod", c->realtime_period.has_value()},
                                 {"cpus", c->cpus.has_value()},
                                 {"mems", c->mems.has_value()},
                                 {"idle", c->idle.has_value()}})
            if (set) return at + "cpu." + name;
    }
    if (r.pids_limit) return at + "pids.limit";
    if (const auto& b = r.block_io) {
        for (auto [name, set] : {std::pair{"weight", b->weight.has_value()},
                                 {"leafWeight", b->leaf_weight.has_value()},
                                 {"weightDevice", !b->weight_device.empty()},
                                 {"throttleReadBpsDevice", !b->throttle_read_bps.empty()},
                                 {"throttleWriteBpsDevice", !b->throttle_write_bps.empty()},
                                 {"throttleReadIOPSDevice", !b->throttle_read_iops.empty()},
                                 {"throttleWriteIOPSDevice", !b->throttle_write_iops.empty()}})
            if (set) return at + "blockIO." + name;
    }
    if (!r.hugepage_limits.empty()) return at + "hugepageLimits";
    if (r.network && r.network->class_id) return at + "network.classID";
    if (r.network && !r.network->priorities.empty()) return at + "network.priorities";
    if (!r.rdma.empty()) return at + "rdma";
    if (!r.unified.empty()) return at + "unified \"" + r.unified.begin()->first + "\"";
    return std::string();
}

}  // namespace vs::runtime::oci
