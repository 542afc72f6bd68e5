// spec::validate: the named checks (a table, run in order) and validate_name.
#include "spec/validate.hpp"

#include <cerrno>
#include <set>

#include "base/strings.hpp"
#include "spec/ip_address.hpp"
#include "spec/rlimits.hpp"

namespace vs::spec {

namespace {

/// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates,
/// nothing above U+10FFFF), or 0 when it is not one.
size_t utf8_len(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t n = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xc0) != 0x80) return 0;
    unsigned char c1 = b(i + 1);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
        (c == 0xf4 && c1 > 0x8f))
        return 0;
    return n;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::string escape_name(std::string_view name) { return str::escape_control(name); }

Status validate_name(std::string_view name) {
    auto bad = [&](std::string_view why) -> Status {
        return make_error(EINVAL, "invalid guest name {}: {}", str::quote(name), why);
    };
    if (name.empty()) return bad("empty");
    if (name.size() > 64) return bad("longer than 64 bytes");
    if (name.find('/') != std::string_view::npos) return bad("contains '/'");
    if (name.find('\0') != std::string_view::npos) return bad("contains NUL");
    if (name.find('\n') != std::string_view::npos) return bad("contains a newline");
    // .defaults holds the global defaults and .build-* are build's staging names: a guest
    // named like them would replace or delete them.
    if (name.front() == '.') return bad("starts with '.' (reserved for .defaults and staging)");
    if (name.find("..") != std::string_view::npos) return bad("contains \"..\"");
    if (name.front() == '-') return bad("starts with '-'");
    for (size_t i = 0; i < name.size();) {
        unsigned char c = static_cast<unsigned char>(name[i]);
        if (is_control(c)) return bad(fmt::format("contains control byte 0x{:02x}", c));
        size_t n = utf8_len(name, i);
        if (n == 0)
            return bad(fmt::format("is not valid UTF-8 (byte 0x{:02x} at offset {})", c, i));
        // U+0080..U+009F are C1 controls (U+009B is CSI, a terminal escape): a name is printed
        // by the host tools, so it holds none, as it holds no C0 control.
        if (n == 2 && c == 0xc2 && static_cast<unsigned char>(name[i + 1]) <= 0x9f)
            return bad(fmt::format("contains control character U+{:04X}",
                                   static_cast<unsigned char>(name[i + 1])));
        i += n;
    }
    return ok();
}

Status validate_uts_name(std::string_view what, std::string_view v) {
    auto bad = [&](std::string_view why) -> Status {
        return make_error(EINVAL, "invalid {} {}: {}", what, str::quote(v), why);
    };
    // HOST_NAME_MAX and the kernel's __NEW_UTS_LEN are 64.
    if (v.size() > 64) return bad("longer than 64 bytes");
    for (size_t i = 0; i < v.size();) {
        unsigned char c = static_cast<unsigned char>(v[i]);
        if (is_control(c)) return bad(fmt::format("contains control byte 0x{:02x}", c));
        if (c == '/' || c == ' ') return bad(fmt::format("contains '{}'", static_cast<char>(c)));
        size_t n = utf8_len(v, i);
        if (n == 0)
            return bad(fmt::format("is not valid UTF-8 (byte 0x{:02x} at offset {})", c, i));
        if (n == 2 && c == 0xc2 && static_cast<unsigned char>(v[i + 1]) <= 0x9f)
            return bad(fmt::format("contains control character U+{:04X}",
                                   static_cast<unsigned char>(v[i + 1])));
        i += n;
    }
    return ok();
}

namespace {

Status check_name(const GuestSpec& s) { return validate_name(s.name); }

Status check_context(const GuestSpec& s) {
    // util-vserver's static xid range: 0 is the host, 1 the spectator, above 49151 dynamic ids.
    if (s.context && (*s.context < 2 || *s.context > 49151))
        return make_error(EINVAL, "context {} out of range 2..49151", *s.context);
    return ok();
}

Status check_uts(const GuestSpec& s) {
    VS_TRY(validate_uts_name("uts/nodename", s.nodename));
    VS_TRY(validate_uts_name("uts/domainname", s.domainname));
    return ok();
}

Status check_paths(const GuestSpec& s) {
    for (auto [what, v] :
         {std::pair{"root", &s.root}, {"config_dir", &s.config_dir}, {"cache_dir", &s.cache_dir}})
        if (!v->empty() && v->front() != '/')
            return make_error(EINVAL, "{} {} is not an absolute path", what, str::quote(*v));
    return ok();
}

Status check_interfaces(const GuestSpec& s) {
    if (!s.default_dev.empty()) VS_TRY(validate_ifname(s.default_dev).wrap("interfaces/dev"));
    if (s.default_prefix != -1 && (s.default_prefix < 1 || s.default_prefix > 128))
        return make_error(EINVAL, "interfaces/prefix {} out of range", s.default_prefix);
    std::set<std::string> ids;
    for (const auto& i : s.interfaces) {
        std::string where = fmt::format("interfaces/{}", i.id);
        if (i.id.empty() || i.id.find('/') != std::string::npos || i.id == "." || i.id == "..")
            return make_error(EINVAL, "invalid interface id {}", str::quote(i.id));
        if (!ids.insert(i.id).second) return make_error(EINVAL, "{}: duplicate id", where);
        auto ip = VS_TRY(parse_host_ip(i.ip).wrap("{}/ip", where));
        int prefix = i.prefix != -1 ? i.prefix : s.default_prefix;
        if (prefix != -1 && (prefix < 1 || prefix > ip.max_prefix()))
            return make_error(EINVAL, "{}: prefix {} invalid for {}", where, prefix, i.ip);
        if (!i.dev.empty()) VS_TRY(validate_ifname(i.dev).wrap("{}/dev", where));
        if (!i.name.empty()) VS_TRY(validate_ifname(i.name).wrap("{}/name", where));
        if (!i.mode.empty() && i.mode != "veth" && i.mode != "macvlan" && i.mode != "shared")
            return make_error(EINVAL, "{}/mode: unknown mode {} (veth, macvlan, shared)", where,
                              str::quote(i.mode));
        if (!i.mac.empty()) VS_TRY(parse_mac(i.mac).wrap("{}/mac", where));
        if (!i.gateway.empty()) {
            auto gw = VS_TRY(parse_host_ip(i.gateway).wrap("{}/gateway", where));
            if (gw.family != ip.family)
                return make_error(EINVAL, "{}/gateway {} is not the family of ip {}", where,
                                  str::quote(i.gateway), str::quote(i.ip));
        }
    }
    return ok();
}

Status check_duplicate_ips(const GuestSpec& s) {
    for (size_t a = 0; a < s.interfaces.size(); ++a) {
        auto ia = parse_ip(s.interfaces[a].ip);
        if (!ia) continue;  // check_interfaces reports it
        for (size_t b = a + 1; b < s.interfaces.size(); ++b) {
            auto ib = parse_ip(s.interfaces[b].ip);
            if (ib && *ia == *ib)
                return make_error(EEXIST, "interfaces/{} and interfaces/{} both hold {}",
                                  s.interfaces[a].id, s.interfaces[b].id, ia->str());
        }
    }
    return ok();
}

Status check_network_mode(const GuestSpec& s) {
    // "shared" means no network namespace at all, so it cannot be mixed with interfaces that
    // need one (veth, macvlan): the guest would be in the host's stack and in its own at once.
    size_t shared = 0, enabled = 0;
    for (const auto& i : s.interfaces) {
        if (i.disabled) continue;
        ++enabled;
        if (i.mode == "shared") ++shared;
    }
    if (shared && shared != enabled)
        return make_error(EINVAL, "interfaces: mode \"shared\" cannot be mixed with other modes");
    if (shared && s.ns.net)
        return make_error(EINVAL, "interfaces: mode \"shared\" requires no network namespace");
    return ok();
}

Status check_rlimits(const GuestSpec& s) {
    for (const auto* m : {&s.rlimits, &s.ulimits}) {
        const char* dir = m == &s.rlimits ? "rlimits" : "ulimits";
        for (const auto& [res, r] : *m) {
            const RlimitInfo* info = rlimit_info(res);
            if (!info) return make_error(EINVAL, "{}/{}: unknown resource", dir, res);
            if (info->refused)
                return make_error(EINVAL, "{}/{}: not supported: {}", dir, res, info->refused);
            if (r.soft && r.hard && *r.soft > *r.hard)
                return make_error(EINVAL, "{}/{}: soft limit {} above hard limit {}", dir, res,
                                  *r.soft, *r.hard);
            if (r.min && r.hard && *r.min > *r.hard)
                return make_error(EINVAL, "{}/{}: minimum {} above hard limit {}", dir, res, *r.min,
                                  *r.hard);
        }
    }
    return ok();
}

Status check_resources(const GuestSpec& s) {
    const auto& r = s.resources;
    auto max_or_positive = [](const char* what, const std::optional<int64_t>& v) -> Status {
        if (v && *v != -1 && *v <= 0)
            return make_error(EINVAL, "{} {} must be > 0 or max", what, *v);
        return ok();
    };
    VS_TRY(max_or_positive("memory.max", r.memory_max));
    VS_TRY(max_or_positive("memory.high", r.memory_high));
    if (r.memory_swap_max && *r.memory_swap_max < -1)
        return make_error(EINVAL, "memory.swap.max {} must be >= 0 or max", *r.memory_swap_max);
    VS_TRY(max_or_positive("pids.max", r.pids_max));
    VS_TRY(max_or_positive("cpu.max quota", r.cpu_quota_us));
    if (r.cpu_quota_us && *r.cpu_quota_us != -1 && *r.cpu_quota_us < 1000)
        return make_error(EINVAL, "cpu.max quota {} below the kernel minimum 1000us",
                          *r.cpu_quota_us);
    if (r.cpu_period_us && (*r.cpu_period_us < 1000 || *r.cpu_period_us > 1000000))
        return make_error(EINVAL, "cpu.max period {} out of range 1000..1000000us",
                          *r.cpu_period_us);
    if (r.cpu_weight && (*r.cpu_weight < 1 || *r.cpu_weight > 10000))
        return make_error(EINVAL, "cpu.weight {} out of range 1..10000", *r.cpu_weight);
    if (r.io_weight && (*r.io_weight < 1 || *r.io_weight > 10000))
        return make_error(EINVAL, "io.weight {} out of range 1..10000", *r.io_weight);
    for (const auto* v : {&r.cpuset_cpus, &r.cpuset_mems}) {
        if (!*v) continue;
        // cpuset list syntax: "0-3,5,7-8" (cpuset(7) "List format").
        bool good = !(*v)->empty();
        for (const auto& part : str::split(**v, ',', false)) {
            auto range = str::split(part, '-', false);
            good = good && (range.size() == 1 || range.size() == 2);
            for (const auto& n : range)
                good = good && str::parse_u64(n) && n.find('+') == std::string::npos;
            if (good && range.size() == 2)
                good = *str::parse_u64(range[0]) <= *str::parse_u64(range[1]);
        }
        if (!good)
            return make_error(EINVAL, "{} {} is not a cpuset list",
                              v == &r.cpuset_cpus ? "cpuset.cpus" : "cpuset.mems", str::quote(**v));
    }
    for (const auto& [file, value] : r.passthrough) {
        if (file.empty() || file.find('/') != std::string::npos ||
            file.find('.') == std::string::npos || file == "." || file == "..")
            return make_error(EINVAL, "cgroup/{}: not a controller.knob file name", file);
        (void)value;
    }
    return ok();
}

Status check_process(const GuestSpec& s) {
    if (s.nice && (*s.nice < -20 || *s.nice > 19))
        return make_error(EINVAL, "nice {} out of range -20..19", *s.nice);
    if (s.oom_score_adj && (*s.oom_score_adj < -1000 || *s.oom_score_adj > 1000))
        return make_error(EINVAL, "badness {} out of range -1000..1000", *s.oom_score_adj);
    if (!s.shell.empty() && s.shell.front() != '/')
        return make_error(EINVAL, "shell {} is not an absolute path", str::quote(s.shell));
    if (s.idmap && s.idmap->count == 0) return make_error(EINVAL, "userns: id map of 0 ids");
    if (s.idmap && uint64_t{s.idmap->host_base} + s.idmap->count > (uint64_t{1} << 32) - 1)
        return make_error(EINVAL, "userns: id map {}+{} exceeds the 32-bit id range",
                          s.idmap->host_base, s.idmap->count);
    const auto& p = s.seccomp_profile;
    bool good = !p.empty() && p.size() <= 64;
    for (char c : p)
        good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!good) return make_error(EINVAL, "seccomp profile {} is not a profile name", str::quote(p));
    return ok();
}

Status check_init(const GuestSpec& s) {
    if (s.init.killseq.empty()) return make_error(EINVAL, "apps/init/killseq is empty");
    for (const auto& k : s.init.killseq) {
        if (k.signal < 1 || k.signal > 64)
            return make_error(EINVAL, "apps/init/killseq: signal {} out of range 1..64", k.signal);
        if (k.wait_s < 0)
            return make_error(EINVAL, "apps/init/killseq: negative wait {}", k.wait_s);
    }
    for (const auto& e : s.init.environment)
        if (e.empty() || e.front() == '=' || e.find('=') == std::string::npos)
            return make_error(EINVAL, "apps/init/environment: {} is not VAR=VALUE", str::quote(e));
    for (const auto& d : s.init.depends) VS_TRY(validate_name(d).wrap("apps/init/depends"));
    for (const auto& r : {s.init.runlevel_start, s.init.runlevel_stop})
        if (r.empty() || r.size() > 8 || r.find_first_of(" \t\n/") != std::string::npos)
            return make_error(EINVAL, "apps/init/runlevel {} is not a runlevel", str::quote(r));
    if (!s.init.mark.empty() && s.init.mark.find_first_of(" \t\n/") != std::string::npos)
        return make_error(EINVAL, "apps/init/mark {} is not one word", str::quote(s.init.mark));
    return ok();
}

Status check_fstab(const GuestSpec& s) {
    for (const auto& f : s.fstab) {
        if (f.source.empty() || f.fstype.empty() || f.target.empty())
            return make_error(EINVAL, "fstab: incomplete entry \"{} {} {}\"", f.source, f.target,
                              f.fstype);
        if (f.target.front() != '/')
            return make_error(EINVAL, "fstab: target {} is not an absolute path",
                              str::quote(f.target));
    }
    return ok();
}

Status check_dlimits(const GuestSpec& s) {
    std::set<std::string> ids;
    for (const auto& d : s.dlimits) {
        if (!ids.insert(d.id).second) return make_error(EINVAL, "dlimits/{}: duplicate id", d.id);
        if (d.directory.empty() || d.directory.front() != '/')
            return make_error(EINVAL, "dlimits/{}/directory {} is not an absolute path", d.id,
                              str::quote(d.directory));
        if (d.reserved_pct > 100)
            return make_error(EINVAL, "dlimits/{}/reserved {} above 100%", d.id, d.reserved_pct);
    }
    return ok();
}

Status check_scripts(const GuestSpec& s) {
    for (const auto& [phase, paths] : s.scripts.by_phase)
        for (const auto& p : paths)
            if (p.empty() || p.front() != '/')
                return make_error(EINVAL, "scripts/{}: {} is not an absolute path", phase,
                                  str::quote(p));
    return ok();
}

Status check_flags(const GuestSpec& s) {
    // virt_uptime is implemented by a time namespace; one without the other is a loader bug.
    if (s.flags.virt_uptime && !s.ns.time)
        return make_error(EINVAL, "cflags: virt_uptime needs the time namespace");
    return ok();
}

struct Check {
    const char* name;
    Status (*fn)(const GuestSpec&);
};

constexpr Check kChecks[] = {
    {"name", check_name},
    {"context", check_context},
    {"uts", check_uts},
    {"paths", check_paths},
    {"interfaces", check_interfaces},
    {"duplicate-ip", check_duplicate_ips},
    {"network-mode", check_network_mode},
    {"rlimits", check_rlimits},
    {"resources", check_resources},
    {"process", check_process},
    {"init", check_init},
    {"fstab", check_fstab},
    {"dlimits", check_dlimits},
    {"scripts", check_scripts},
    {"flags", check_flags},
};

}  // namespace

std::vector<std::string> validate_check_names() {
    std::vector<std::string> out;
    for (const auto& c : kChecks) out.emplace_back(c.name);
    return out;
}

Status validate(const GuestSpec& spec) {
    for (const auto& c : kChecks) {
        auto st = c.fn(spec);
        if (!st) return std::move(st).wrap("check {}", c.name);
    }
    return ok();
}

}  // namespace vs::spec
