// state.json reading and writing.
#include "state/guest_state.hpp"

#include <nlohmann/json.hpp>

#include "base/sys.hpp"

namespace vs::state {

const char* phase_name(Phase p) {
    switch (p) {
        case Phase::Starting:
            return "starting";
        case Phase::Running:
            return "running";
        case Phase::Stopping:
            return "stopping";
    }
    return "?";
}

std::optional<Phase> phase_from(const std::string& s) {
    if (s == "starting") return Phase::Starting;
    if (s == "running") return Phase::Running;
    if (s == "stopping") return Phase::Stopping;
    return std::nullopt;
}

std::string to_json(const GuestState& s) {
    nlohmann::json j = {
        {"version", 1},
        {"name", s.name},
        {"phase", phase_name(s.phase)},
        {"init_pid", s.init_pid},
        {"init_start_time", s.init_start_time},
        {"context", s.context},
        {"started_at", s.started_at},
        {"init_style", s.init_style},
        {"cgroup_layout", s.cgroup_layout},
        {"cgroup2_path", s.cgroup2_path},
        {"root", s.root},
    };
    if (!s.socket_guard_gap.empty()) j["socket_guard_gap"] = s.socket_guard_gap;
    return j.dump(2) + "\n";
}

Result<GuestState> from_json(const std::string& text) {
    // nlohmann throws on bad input; this is the parser edge (DESIGN.md §3).
    try {
        auto j = nlohmann::json::parse(text);
        if (!j.is_object()) return make_error(EINVAL, "state: not a JSON object");
        GuestState s;
        s.name = j.at("name").get<std::string>();
        auto ph = phase_from(j.at("phase").get<std::string>());
        if (!ph)
            return make_error(EINVAL, "state: unknown phase \"{}\"",
                              j.at("phase").get<std::string>());
        s.phase = *ph;
        s.init_pid = j.value("init_pid", 0);
        s.init_start_time = j.value("init_start_time", uint64_t{0});
        s.context = j.value("context", 0u);
        s.started_at = j.value("started_at", int64_t{0});
        s.init_style = j.value("init_style", "");
        s.cgroup_layout = j.value("cgroup_layout", "");
        s.cgroup2_path = j.value("cgroup2_path", "");
        s.root = j.value("root", "");
        s.socket_guard_gap = j.value("socket_guard_gap", "");
        if (s.init_pid < 0) return make_error(EINVAL, "state: init_pid {} is negative", s.init_pid);
        return s;
    } catch (const std::exception& e) {
        return make_error(EINVAL, "state: {}", e.what());
    }
}

std::string state_path(const std::string& run_dir) { return run_dir + "/state.json"; }

Result<std::optional<GuestState>> load(const std::string& run_dir) {
    std::string p = state_path(run_dir);
    auto text = sys::read_file(p);
    if (!text) {
        if (text.error().code == ENOENT || text.error().code == ENOTDIR)
            return std::optional<GuestState>{};
        return std::move(text).error();
    }
    auto s = VS_TRY(from_json(*text).wrap("read \"{}\"", p));
    return std::optional<GuestState>{std::move(s)};
}

Status save(const std::string& run_dir, const GuestState& s) {
    VS_TRY(sys::mkdir_p(run_dir, 0700));
    return sys::write_file_atomic(state_path(run_dir), to_json(s), 0600);
}

Status clear(const std::string& run_dir) { return sys::remove_if_exists(state_path(run_dir)); }

}  // namespace vs::state
