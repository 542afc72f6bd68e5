// config.json's "process" (and `exec --process`): user, args, env, capabilities, rlimits.
#include <cerrno>
#include <cstdint>
#include <set>

#include "base/strings.hpp"
#include "config/oci/parse.hpp"
#include "spec/capabilities.hpp"
#include "spec/rlimits.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

Result<uint64_t> parse_cap_set(const Node& n) {
    uint64_t set = 0;
    for (const auto& e : VS_TRY(n.elements())) {
        std::string name = VS_TRY(e.str());
        // The spec spells them as in <linux/capability.h>: "CAP_NET_RAW". An unknown name is an
        // error, not skipped: a set silently smaller than asked breaks the workload later and
        // far from the cause.
        std::optional<int> cap;
        if (str::starts_with(name, "CAP_") && str::upper(name) == name)
            cap = spec::cap_from_name(name);
        if (!cap) return e.error("unknown capability {}", e.show());
        set |= spec::cap_bit(*cap);
    }
    return set;
}

Result<so::Capabilities> parse_caps(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"bounding", "effective", "inheritable", "permitted", "ambient"});
    so::Capabilities c;
    c.bounding = VS_TRY(parse_cap_set(n["bounding"]));
    c.effective = VS_TRY(parse_cap_set(n["effective"]));
    c.inheritable = VS_TRY(parse_cap_set(n["inheritable"]));
    c.permitted = VS_TRY(parse_cap_set(n["permitted"]));
    c.ambient = VS_TRY(parse_cap_set(n["ambient"]));
    return c;
}

Result<std::vector<so::ProcessRlimit>> parse_rlimits(const Node& n) {
    std::vector<so::ProcessRlimit> out;
    std::set<int> seen;
    for (const auto& e : VS_TRY(n.elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"type", "soft", "hard"});
        so::ProcessRlimit r;
        r.type = VS_TRY(e["type"].str());
        const spec::RlimitInfo* info = nullptr;
        if (str::starts_with(r.type, "RLIMIT_") && str::upper(r.type) == r.type)
            info = spec::rlimit_info(str::lower(r.type.substr(7)));
        if (!info || info->resource < 0)
            return e["type"].error("unknown rlimit {}", e["type"].show());
        r.resource = info->resource;
        // The spec: "the runtime MUST generate an error for any duplicated type".
        if (!seen.insert(r.resource).second) return e["type"].error("{} given twice", r.type);
        for (const char* k : {"soft", "hard"})
            if (!e[k].present()) return e[k].error("required");
        r.limit.soft = VS_TRY(e["soft"].u64());
        r.limit.hard = VS_TRY(e["hard"].u64());
        if (*r.limit.soft > *r.limit.hard)
            return e.error("soft limit {} above hard limit {}", *r.limit.soft, *r.limit.hard);
        out.push_back(std::move(r));
    }
    return out;
}

Result<so::User> parse_user(const Node& n) {
    so::User u;
    if (!n.present()) return n.error("required (uid and gid)");
    VS_TRY(n.expect_object());
    n.note_unknown({"uid", "gid", "umask", "additionalGids", "username"});
    if (n["username"].present()) VS_TRY(n["username"].str());  // Windows only; ignored
    for (const char* k : {"uid", "gid"})
        if (!n[k].present()) return n[k].error("required");
    u.uid = VS_TRY(n["uid"].u32());
    u.gid = VS_TRY(n["gid"].u32());
    if (n["umask"].present()) {
        u.umask = VS_TRY(n["umask"].u32());
        if (*u.umask > 0777) return n["umask"].error("{:#o} is not a umask (0..0777)", *u.umask);
    }
    for (const auto& g : VS_TRY(n["additionalGids"].elements()))
        u.additional_gids.push_back(VS_TRY(g.u32()));
    // NGROUPS_MAX (setgroups(2)).
    if (u.additional_gids.size() > 65536)
        return n["additionalGids"].error("{} groups, at most 65536", u.additional_gids.size());
    return u;
}

}  // namespace

Result<so::Process> parse_process_node(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd",
                    "capabilities", "rlimits", "noNewPrivileges", "apparmorProfile", "oomScoreAdj",
                    "selinuxLabel", "ioPriority", "scheduler", "execCPUAffinity"});
    VS_TRY(n.refuse("ioPriority", "vsrun sets no I/O priority (ioprio_set)"));
    VS_TRY(n.refuse("scheduler", "vsrun sets no scheduling policy (sched_setattr)"));
    VS_TRY(n.refuse("execCPUAffinity", "vsrun sets no CPU affinity for exec"));
    so::Process p;
    if (auto t = VS_OCI_OPT(n["terminal"], boolean)) p.terminal = *t;
    if (Node cs = n["consoleSize"]; cs.present()) {
        VS_TRY(cs.expect_object());
        cs.note_unknown({"height", "width"});
        so::ConsoleSize sz;
        for (const char* k : {"height", "width"})
            if (!cs[k].present()) return cs[k].error("required");
        sz.height = static_cast<uint32_t>(VS_TRY(cs["height"].int_in(0, UINT16_MAX)));
        sz.width = static_cast<uint32_t>(VS_TRY(cs["width"].int_in(0, UINT16_MAX)));
        p.console_size = sz;
    }
    p.user = VS_TRY(parse_user(n["user"]));
    if (n["commandLine"].present()) VS_TRY(n["commandLine"].str());  // Windows only; ignored
    p.args = VS_TRY(n["args"].strings());
    // The spec makes args optional only for Windows' commandLine; on Linux argv[0] is needed.
    if (p.args.empty()) return n["args"].error("required: at least the program to run");
    if (p.args[0].empty()) return n["args"].at(0).error("empty program name");
    p.env = VS_TRY(n["env"].strings());
    for (size_t i = 0; i < p.env.size(); ++i) {
        const auto& e = p.env[i];
        if (e.empty() || e.front() == '=' || e.find('=') == std::string::npos)
            return n["env"].at(i).error("{} is not KEY=value", str::quote(e));
    }
    if (!n["cwd"].present()) return n["cwd"].error("required");
    p.cwd = VS_TRY(n["cwd"].abs_path());
    if (n["capabilities"].present()) p.capabilities = VS_TRY(parse_caps(n["capabilities"]));
    p.rlimits = VS_TRY(parse_rlimits(n["rlimits"]));
    if (auto v = VS_OCI_OPT(n["noNewPrivileges"], boolean)) p.no_new_privileges = *v;
    if (n["oomScoreAdj"].present())
        p.oom_score_adj = static_cast<int>(VS_TRY(n["oomScoreAdj"].int_in(-1000, 1000)));
    if (auto v = VS_OCI_OPT(n["apparmorProfile"], str)) p.apparmor_profile = *v;
    if (auto v = VS_OCI_OPT(n["selinuxLabel"], str)) p.selinux_label = *v;
    return p;
}

}  // namespace vs::config::oci
