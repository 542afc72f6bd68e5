// The key registry: assembles the key groups, matches relative paths, renders a spec.
#include "config/vserver/registry.hpp"

#include <map>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "spec/capabilities.hpp"
#include "spec/context_flags.hpp"

namespace vs::config::vserver {

const char* kind_name(FileKind k) {
    switch (k) {
        case FileKind::Scalar:
            return "scalar";
        case FileKind::List:
            return "list";
        case FileKind::Bool:
            return "bool";
        case FileKind::Hash:
            return "hash";
        case FileKind::Link:
            return "link";
        case FileKind::Program:
            return "program";
        case FileKind::Data:
            return "data";
    }
    return "?";
}

namespace {

// Which GuestSpec fields each key sets: kept here, in one place, for the docs and the
// completeness test (every key must appear).
const std::map<std::string, std::string>& field_map() {
    static const std::map<std::string, std::string> m = {
        {"name", "name (checked)"},
        {"context", "context"},
        {"uts/nodename", "nodename"},
        {"uts/domainname", "domainname"},
        {"vdir", "root"},
        {"cache", "cache_dir"},
        {"run", "(none: state lives in the run dir)"},
        {"shell", "shell"},
        {"nice", "nice"},
        {"badness", "oom_score_adj"},
        {"interfaces/dev", "default_dev"},
        {"interfaces/prefix", "default_prefix"},
        {"interfaces/mask", "default_prefix"},
        {"interfaces/*/ip", "interfaces[].ip"},
        {"interfaces/*/prefix", "interfaces[].prefix"},
        {"interfaces/*/mask", "interfaces[].prefix"},
        {"interfaces/*/dev", "interfaces[].dev"},
        {"interfaces/*/name", "interfaces[].name"},
        {"interfaces/*/nodev", "interfaces[].nodev"},
        {"interfaces/*/disabled", "interfaces[].disabled"},
        {"interfaces/*/mode", "interfaces[].mode; all shared: ns.net = false"},
        {"interfaces/*/mac", "interfaces[].mac"},
        {"interfaces/*/gateway", "interfaces[].gateway"},
        {"bcapabilities", "caps.bounding"},
        {"ccapabilities", "caps.ccaps, caps.ping_sockets, caps.allow_namespaces, caps.bounding"},
        {"cflags", "flags.*, ns.time, caps.allow_namespaces, caps.bounding"},
        {"flags", "flags.*, ns.time, caps.allow_namespaces, caps.bounding"},
        {"namespace", "(none: always on)"},
        {"nonamespace", "(refused)"},
        {"userns", "ns.user, idmap"},
        {"nonewprivs", "no_new_privs"},
        {"seccomp", "seccomp_profile"},
        {"personality", "personality"},
        {"apps/init/style", "init.style"},
        {"apps/init/mark", "init.mark"},
        {"apps/init/runlevel", "init.runlevel_start"},
        {"apps/init/runlevel.start", "init.runlevel_start"},
        {"apps/init/runlevel.stop", "init.runlevel_stop"},
        {"apps/init/killseq", "init.killseq"},
        {"apps/init/timeout", "init.timeout_s"},
        {"apps/init/cmd.start", "init.cmd_start"},
        {"apps/init/cmd.stop", "init.cmd_stop"},
        {"apps/init/cmd.prepare", "init.cmd_prepare"},
        {"apps/init/cmd.start-sync", "init.cmd_start_sync"},
        {"apps/init/cmd.stop-sync", "init.cmd_stop_sync"},
        {"apps/init/mtab", "init.mtab"},
        {"apps/init/depends", "init.depends"},
        {"apps/init/environment", "init.environment"},
        {"apps/init/console", "init.console"},
        {"apps/init/ttys", "init.ttys"},
        {"fstab", "fstab"},
        {"scripts/*", "scripts.by_phase[phase]"},
        {"scripts/*.d/*", "scripts.by_phase[phase]"},
        {"hostname", "nodename"},
        {"domainname", "domainname"},
        {"rlimits/*", "rlimits[res]; nproc: resources.pids_max; rss: resources.memory_max/high"},
        {"ulimits/*", "ulimits[res]"},
        {"sched/*", "resources.cpu_quota_us, resources.cpu_period_us"},
        {"sched/*/*", "(refused)"},
        {"cpuset/cpus", "resources.cpuset_cpus"},
        {"cpuset/mems", "resources.cpuset_mems"},
        {"cpuset/name", "(none: warned)"},
        {"cgroup/*", "resources.passthrough[file]"},
        {"limits/memory.max", "resources.memory_max"},
        {"limits/memory.high", "resources.memory_high"},
        {"limits/memory.swap.max", "resources.memory_swap_max"},
        {"limits/cpu.max", "resources.cpu_quota_us, resources.cpu_period_us"},
        {"limits/cpu.weight", "resources.cpu_weight"},
        {"limits/pids.max", "resources.pids_max"},
        {"limits/io.weight", "resources.io_weight"},
        {"limits/hugetlb.*.max", "resources.hugetlb_max[size]"},
        {"dlimits/*/directory", "dlimits[].directory"},
        {"dlimits/*/space_total", "dlimits[].space_total_kib"},
        {"dlimits/*/inodes_total", "dlimits[].inodes_total"},
        {"dlimits/*/reserved", "dlimits[].reserved_pct"},
        {"dlimits/*/disabled", "dlimits[].disabled"},
        {"apps/vunify/exclude", "unify.exclude"},
        {"apps/vunify/refserver.*", "unify.refservers[X]"},
        {"layered/lower", "layered.lower"},
        {"layered/upper", "layered.upper"},
    };
    return m;
}

}  // namespace

const std::vector<Key>& keys() {
    static const std::vector<Key> all = [] {
        std::vector<Key> v;
        rows::add_identity(v);
        rows::add_network(v);
        rows::add_security(v);
        rows::add_init(v);
        rows::add_filesystem(v);
        rows::add_limits(v);
        rows::add_resources(v);
        rows::add_unify(v);
        rows::add_layered(v);
        for (auto& k : v)
            if (auto it = field_map().find(k.pattern); it != field_map().end()) k.maps = it->second;
        rows::fill_effects(v);
        return v;
    }();
    return all;
}

namespace {

// Splits `rel` by the pattern's '*'s: each '*' matches a non-empty run without '/'.
bool match(std::string_view pat, std::string_view rel, std::vector<std::string>* parts) {
    if (pat.empty()) return rel.empty();
    if (pat[0] == '*') {
        size_t stop = rel.find('/');
        if (stop == std::string_view::npos) stop = rel.size();
        // Longest first so "scripts/*" never swallows what "scripts/*.d/*" is meant to get:
        // patterns are distinct by their '/' count anyway.
        for (size_t n = stop; n >= 1; --n) {
            size_t mark = parts ? parts->size() : 0;
            if (parts) parts->emplace_back(rel.substr(0, n));
            if (match(pat.substr(1), rel.substr(n), parts)) return true;
            if (parts) parts->resize(mark);
        }
        return false;
    }
    if (rel.empty() || pat[0] != rel[0]) return false;
    return match(pat.substr(1), rel.substr(1), parts);
}

}  // namespace

const Key* find_key(std::string_view rel, std::vector<std::string>* parts) {
    // Exact patterns win over wildcard ones ("interfaces/dev" before "interfaces/*/..."): the
    // first matching row in registry order is taken, and groups list exact rows first.
    for (const auto& k : keys()) {
        std::vector<std::string> p;
        if (match(k.pattern, rel, &p)) {
            if (parts) *parts = std::move(p);
            return &k;
        }
    }
    return nullptr;
}

void apply_defaults(spec::GuestSpec& spec) {
    spec.caps.bounding = spec::default_bounding_set();
    spec.caps.ccaps = spec::default_ccaps();
    spec.flags.names = spec::default_cflags();
}

std::vector<OutFile> render(const spec::GuestSpec& spec) {
    std::vector<OutFile> out;
    for (const auto& k : keys()) k.write(spec, out);
    return out;
}

}  // namespace vs::config::vserver
