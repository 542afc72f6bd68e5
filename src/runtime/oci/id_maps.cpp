// A container's uid_map and gid_map: directly, or through newuidmap/newgidmap.
#include "runtime/oci/id_maps.hpp"

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

}  // namespace

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
