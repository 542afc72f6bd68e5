// JoinProfile: derived from the spec at start, kept as RUN_DIR/join.json + join.bpf.
#include "runtime/join_profile.hpp"

#include <sched.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "ns/join.hpp"
#include "runtime/confine.hpp"

namespace vs::runtime {

namespace {

// Bumped whenever a field changes meaning; another version is rebuilt from the config.
constexpr int kVersion = 2;

std::string json_path(const std::string& run_dir) { return run_dir + "/join.json"; }
std::string bpf_path(const std::string& run_dir) { return run_dir + "/join.bpf"; }

}  // namespace

Result<JoinProfile> make_join_profile(const config::Paths& paths, const spec::GuestSpec& spec,
                                      const cgroup::Manager& cg, pid_t init_pid) {
    auto rlimits = VS_TRY(plan_rlimits(spec));
    auto filter = VS_TRY(guest_filter(paths, spec));
    return make_join_profile(spec, cg, init_pid, std::move(rlimits), std::move(filter));
}

Result<JoinProfile> make_join_profile(const spec::GuestSpec& spec, const cgroup::Manager& cg,
                                      pid_t init_pid, std::vector<RlimitSetting> rlimits,
                                      seccomp::Program filter) {
    JoinProfile p;
    p.name = spec.name;
    p.root = spec.root;
    p.shell = spec.shell;
    p.private_ctx = spec.flags.private_ctx;
    p.no_new_privs = spec.no_new_privs;
    p.cap_bounding = spec.caps.bounding;
    // Only the user and time namespaces are compared with ours (two stat pairs instead of
    // eight): setns refuses our own user namespace (EINVAL), and a kernel without time
    // namespaces has no /proc/PID/ns/time. Joining a mount, UTS, IPC, network, cgroup or pid
    // namespace we already share is a no-op for what vs-init does next (it chroots to the
    // init's root itself). CLONE_NEWPID: setns sets only vs-init's pid_for_children.
    p.ns_flags = VS_TRY(ns::differing_namespaces(init_pid, CLONE_NEWUSER | CLONE_NEWTIME)) |
                 CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
                 CLONE_NEWPID;
    p.env = spec.init.environment;
    p.rlimits = std::move(rlimits);
    p.cgroup_self_join = cg.self_join_files();
    p.cgroup2 = cg.unified_path();
    p.cgroup2_leaf = spec.init.style == spec::InitStyle::Systemd && !p.cgroup2.empty();
    p.seccomp_profile = spec.seccomp_profile;
    p.filter = std::move(filter);
    return p;
}

Status save_join_profile(const std::string& run_dir, const state::GuestState& st,
                         const JoinProfile& p) {
    nlohmann::json j;
    j["version"] = kVersion;
    j["init_pid"] = st.init_pid;
    j["init_start_time"] = st.init_start_time;
    j["name"] = p.name;
    j["root"] = p.root;
    j["shell"] = p.shell;
    j["private"] = p.private_ctx;
    j["no_new_privs"] = p.no_new_privs;
    j["cap_bounding"] = p.cap_bounding;
    j["ns_flags"] = p.ns_flags;
    j["env"] = p.env;
    auto& limits = j["rlimits"] = nlohmann::json::array();
    for (const auto& r : p.rlimits)
        limits.push_back({{"resource", r.resource},
                          {"name", r.name},
                          {"soft", static_cast<uint64_t>(r.value.rlim_cur)},
                          {"hard", static_cast<uint64_t>(r.value.rlim_max)}});
    j["cgroup_self_join"] = p.cgroup_self_join;
    j["cgroup2"] = p.cgroup2;
    j["cgroup2_leaf"] = p.cgroup2_leaf;
    j["seccomp_profile"] = p.seccomp_profile;
    j["filter_insns"] = p.filter.insns.size();
    // The program first: a join.json that names a filter always finds it written.
    if (p.filter.empty()) {
        VS_TRY(sys::remove_if_exists(bpf_path(run_dir)));
    } else {
        std::string_view bytes(reinterpret_cast<const char*>(p.filter.insns.data()),
                               p.filter.insns.size() * sizeof(sock_filter));
        VS_TRY(sys::write_file_replace(bpf_path(run_dir), bytes, 0600));
    }
    return sys::write_file_replace(json_path(run_dir), j.dump(), 0600);
}

std::optional<JoinProfile> load_join_profile(const std::string& run_dir,
                                             const state::GuestState& st) {
    auto text = sys::read_file(json_path(run_dir));
    if (!text) return std::nullopt;  // none saved (a guest started by an older vserver)
    auto j = nlohmann::json::parse(*text, nullptr, false);
    try {
        if (j.is_discarded() || j.at("version").get<int>() != kVersion ||
            j.at("init_pid").get<pid_t>() != st.init_pid ||
            j.at("init_start_time").get<uint64_t>() != st.init_start_time)
            return std::nullopt;
        JoinProfile p;
        p.name = j.at("name").get<std::string>();
        p.root = j.at("root").get<std::string>();
        p.shell = j.at("shell").get<std::string>();
        p.private_ctx = j.at("private").get<bool>();
        p.no_new_privs = j.at("no_new_privs").get<bool>();
        p.cap_bounding = j.at("cap_bounding").get<uint64_t>();
        p.ns_flags = j.at("ns_flags").get<uint64_t>();
        p.env = j.at("env").get<std::vector<std::string>>();
        for (const auto& r : j.at("rlimits")) {
            RlimitSetting s;
            s.resource = r.at("resource").get<int>();
            s.name = r.at("name").get<std::string>();
            s.value.rlim_cur = r.at("soft").get<uint64_t>();
            s.value.rlim_max = r.at("hard").get<uint64_t>();
            p.rlimits.push_back(std::move(s));
        }
        p.cgroup_self_join = j.at("cgroup_self_join").get<std::vector<std::string>>();
        p.cgroup2 = j.at("cgroup2").get<std::string>();
        p.cgroup2_leaf = j.at("cgroup2_leaf").get<bool>();
        p.seccomp_profile = j.at("seccomp_profile").get<std::string>();
        auto insns = j.at("filter_insns").get<size_t>();
        if (insns > 0) {
            auto bytes = sys::read_file(bpf_path(run_dir));
            if (!bytes) return std::nullopt;
            auto prog = seccomp::program_from_bytes(*bytes);
            if (!prog || prog->insns.size() != insns) return std::nullopt;
            p.filter = std::move(*prog);
        }
        return p;
    } catch (const nlohmann::json::exception& e) {
        log::debug("{}: unreadable join profile ({}), using the config", json_path(run_dir),
                   e.what());
        return std::nullopt;
    }
}

Status clear_join_profile(const std::string& run_dir) {
    VS_TRY(sys::remove_if_exists(json_path(run_dir)));
    return sys::remove_if_exists(bpf_path(run_dir));
}

}  // namespace vs::runtime
