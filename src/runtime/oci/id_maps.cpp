// A container's uid_map and gid_map: directly, or through newuidmap/newgidmap.
#include "runtime/oci/id_maps.hpp"

#include <pwd.h>
#include <unistd.h>

#include "base/exec.hpp"
#include "base/safe_read.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::runtime::oci {

namespace {

using spec::oci::IdMapping;

/// What newuidmap or newgidmap needs to know, and what a message about it names.
struct Helper {
    const char* program;  ///< "newuidmap"
    const char* field;    ///< "linux.uidMappings"
    const char* file;     ///< "/etc/subuid"
    const char* kind;     ///< "uid"
    uint32_t own;         ///< the caller's id of that kind
};

/// The helper's argv: the pid, then "inside outside count" for each range (newuidmap(1)).
/// A pid is safe to name here: the child is ours and not yet reaped, so it cannot be reused.
Status run_helper(const Helper& h, pid_t pid, const std::vector<IdMapping>& m,
                  const std::string& config) {
    std::vector<std::string> argv = {h.program, std::to_string(pid)};
    for (const auto& e : m) {
        argv.push_back(std::to_string(e.container_id));
        argv.push_back(std::to_string(e.host_id));
        argv.push_back(std::to_string(e.size));
    }
    exec::Options o;
    o.capture_stdout = true;
    o.capture_stderr = true;
    // It only reads a few files and writes one; a hung one must not hang create.
    o.timeout_s = 30;
    auto r = exec::run(argv, o);
    if (!r)
        return make_error(r.error().code,
                          "{}: {}: {}: vsrun runs as {} {} and maps other ids through {} (Debian "
                          "package uidmap), which it cannot run: {}",
                          config, h.field, map_list(m), h.kind, h.own, h.program,
                          r.error().message);
    if (r->timed_out)
        return make_error(ETIMEDOUT, "{}: {}: {}: {} did not finish within {} s", config, h.field,
                          map_list(m), h.program, o.timeout_s);
    if (r->status != 0) {
        std::string said(str::trim(r->out));
        for (auto& c : said)
            if (c == '\n') c = ' ';
        return make_error(EPERM,
                          "{}: {}: {}: {} refused (it maps the caller's own {} and the ranges "
                          "{} gives the caller's user): {}",
                          config, h.field, map_list(m), h.program, h.kind, h.file,
                          said.empty() ? fmt::format("exit status {}", r->status) : said);
    }
    return ok();
}

/// The name /etc/passwd (`passwd`) gives uid `uid`; "" when no line does. Read here, not
/// through getpwuid: a static glibc cannot be relied on to load the NSS modules nsswitch.conf
/// names (docs/host-tools.md), so a user of a directory service is one this check cannot name.
std::string user_name(const std::string& passwd, uid_t uid) {
    auto text = sys::read_regular(passwd, {16 << 20, true});
    if (!text) return std::string();
    const std::string id = std::to_string(uid);
    for (const auto& line : str::split(*text, '\n')) {
        auto f = str::split(line, ':', false);
        if (f.size() >= 3 && f[2] == id && !f[0].empty()) return f[0];
    }
    return std::string();
}

/// Whether nsswitch.conf's "subid:" line names a source other than files: the ranges are then
/// a directory service's, which only newuidmap asks (subid(5) of shadow's NSS support).
bool subid_elsewhere(const std::string& nsswitch) {
    auto text = sys::read_regular(nsswitch, {1 << 20, true});
    if (!text) return false;
    for (auto line : str::split(*text, '\n')) {
        auto f = str::split_ws(line.substr(0, line.find('#')));
        if (f.empty() || f[0] != "subid:") continue;
        for (size_t i = 1; i < f.size(); ++i)
            if (f[i] != "files") return true;
    }
    return false;
}

std::string range_list(const std::vector<SubIdRange>& r) {
    std::string s;
    for (const auto& e : r)
        s += fmt::format("{}{}-{}", s.empty() ? "" : ", ", e.start, e.start + e.count - 1);
    return s;
}

/// One kind of map (uid or gid) against the file that grants it.
Status check_sub_map(const Helper& h, const std::vector<IdMapping>& m, const std::string& path,
                     const std::string& name, uid_t uid, const std::string& config) {
    const auto what = fmt::format("{}: {}: {}", config, h.field, map_list(m));
    const std::string user =
        name.empty() ? fmt::format("uid {}", uid) : fmt::format("user {} (uid {})", name, uid);
    auto text = sys::read_regular(path, {16 << 20, true});
    if (!text && text.error().code == ENOENT)
        return make_error(EPERM,
                          "{}: {} maps ids other than the caller's own {} {} only from the "
                          "ranges {} gives {}, and there is no {}",
                          what, h.program, h.kind, h.own, path, user, path);
    if (!text) {
        Error e = std::move(text).error();
        return std::move(e.wrap(what));
    }
    auto ranges = sub_id_ranges(*text, name, uid);
    // A user /etc/passwd does not name (one of a directory service) may have lines under a
    // name this check cannot know: newuidmap judges.
    if (ranges.empty() && name.empty()) return ok();
    if (ranges.empty())
        return make_error(EPERM,
                          "{}: {} gives {} no range of {}s: {} maps only its own "
                          "{} {} alone (add a line \"{}:START:COUNT\", {}(5))",
                          what, path, user, h.kind, h.program, h.kind, h.own, name,
                          path.substr(path.rfind('/') + 1));
    auto bad = first_unallowed(m, ranges, h.own);
    if (!bad) return ok();
    const auto& e = m[bad->entry];
    return make_error(EPERM,
                      "{}: {}[{}] [{} {} {}]: host {} {} is not in the ranges {} gives {}: {}",
                      config, h.field, bad->entry, e.container_id, e.host_id, e.size, h.kind,
                      bad->host_id, path, user, range_list(ranges));
}

}  // namespace

std::vector<SubIdRange> sub_id_ranges(std::string_view text, std::string_view name, uint32_t id) {
    std::vector<SubIdRange> by_name, by_id;
    const std::string uid = std::to_string(id);
    for (const auto& line : str::split(text, '\n')) {
        auto f = str::split(line, ':', false);
        if (f.size() != 3) continue;
        auto start = str::parse_u64(f[1]);
        auto count = str::parse_u64(f[2]);
        if (!start || !count || *count == 0) continue;
        if (!name.empty() && f[0] == name) by_name.push_back({*start, *count});
        if (f[0] == uid) by_id.push_back({*start, *count});
    }
    // newuidmap looks for a range by the name first and by the uid only when none matched
    // (shadow's find_range): for each id, so the two together are what it can grant.
    by_name.insert(by_name.end(), by_id.begin(), by_id.end());
    return by_name;
}

std::optional<Unallowed> first_unallowed(const std::vector<IdMapping>& m,
                                         const std::vector<SubIdRange>& ranges, uint32_t own) {
    for (size_t i = 0; i < m.size(); ++i) {
        const auto& e = m[i];
        if (e.size == 1 && e.host_id == own) continue;
        // Walk from the entry's first host id through the ranges that hold the next one.
        uint64_t at = e.host_id;
        const uint64_t end = uint64_t{e.host_id} + e.size;
        while (at < end) {
            const SubIdRange* hold = nullptr;
            for (const auto& r : ranges)
                if (at >= r.start && at - r.start < r.count) hold = &r;
            if (!hold) return Unallowed{i, at};
            at = hold->start + hold->count;
        }
    }
    return std::nullopt;
}

Status check_sub_ids(const spec::oci::Linux& l, const std::string& config,
                     const SubIdFiles& files) {
    const bool uids = !own_id_map(l.uid_mappings, ::geteuid());
    const bool gids = !own_id_map(l.gid_mappings, ::getegid());
    if (!uids && !gids) return ok();
    if (subid_elsewhere(files.nsswitch)) return ok();
    // newuidmap and newgidmap both judge by the real uid's user (shadow's get_my_pwent).
    const uid_t uid = ::getuid();
    const std::string name = user_name(files.passwd, uid);
    if (uids)
        VS_TRY(check_sub_map({"newuidmap", "linux.uidMappings", "/etc/subuid", "uid", uid},
                             l.uid_mappings, files.subuid, name, uid, config));
    if (gids)
        VS_TRY(check_sub_map({"newgidmap", "linux.gidMappings", "/etc/subgid", "gid", ::getgid()},
                             l.gid_mappings, files.subgid, name, uid, config));
    return ok();
}

std::string map_text(const std::vector<IdMapping>& m) {
    std::string s;
    for (const auto& e : m) s += fmt::format("{} {} {}\n", e.container_id, e.host_id, e.size);
    return s;
}

std::string map_list(const std::vector<IdMapping>& m) {
    std::string s;
    for (const auto& e : m)
        s += fmt::format("{}[{} {} {}]", s.empty() ? "" : ", ", e.container_id, e.host_id, e.size);
    return s.empty() ? std::string("none") : s;
}

bool own_id_map(const std::vector<IdMapping>& m, uint32_t own) {
    return m.size() == 1 && m[0].container_id == 0 && m[0].host_id == own && m[0].size == 1;
}

bool id_mapped(const std::vector<IdMapping>& m, uint32_t id) {
    for (const auto& e : m)
        if (id >= e.container_id && id - e.container_id < e.size) return true;
    return false;
}

Result<std::vector<IdMapping>> read_id_map(const std::string& path) {
    // 340 lines at most (user_namespaces(7)), each three numbers of up to ten digits.
    auto text = VS_TRY(sys::read_regular(path, {16384, false}));
    auto f = str::split_ws(text);
    if (f.size() % 3 != 0) return make_error(EINVAL, "\"{}\": not lines of three ids", path);
    std::vector<IdMapping> m;
    for (size_t i = 0; i < f.size(); i += 3) {
        uint32_t v[3];
        for (size_t k = 0; k < 3; ++k) {
            auto n = str::parse_u64(f[i + k]);
            if (!n || *n > UINT32_MAX)
                return make_error(EINVAL, "\"{}\": \"{}\" is not an id", path, f[i + k]);
            v[k] = static_cast<uint32_t>(*n);
        }
        m.push_back({v[0], v[1], v[2]});
    }
    return m;
}

Status write_container_maps(pid_t pid, const spec::oci::Linux& l, const std::string& config) {
    const std::string proc = fmt::format("/proc/{}/", pid);
    const bool root = ::geteuid() == 0;
    if (root || own_id_map(l.uid_mappings, ::geteuid()))
        VS_TRY(sys::write_file(proc + "uid_map", map_text(l.uid_mappings))
                   .wrap("{}: linux.uidMappings", config));
    else
        VS_TRY(run_helper({"newuidmap", "linux.uidMappings", "/etc/subuid", "uid", ::geteuid()},
                          pid, l.uid_mappings, config));
    if (root) {
        // setgroups stays allowed: root writes gid_map with CAP_SETGID over the parent
        // namespace, so process.user.additionalGids can be set.
        return sys::write_file(proc + "gid_map", map_text(l.gid_mappings))
            .wrap("{}: linux.gidMappings", config);
    }
    if (own_id_map(l.gid_mappings, ::getegid())) {
        // Without CAP_SETGID over the parent namespace the kernel takes a gid_map only once
        // setgroups(2) is denied in the new one for good (user_namespaces(7)).
        VS_TRY(
            sys::write_file(proc + "setgroups", "deny")
                .wrap("{}: linux.gidMappings: deny setgroups in the new user namespace", config));
        return sys::write_file(proc + "gid_map", map_text(l.gid_mappings))
            .wrap("{}: linux.gidMappings", config);
    }
    return run_helper({"newgidmap", "linux.gidMappings", "/etc/subgid", "gid", ::getegid()}, pid,
                      l.gid_mappings, config);
}

}  // namespace vs::runtime::oci
