// vtop -b --json: the rows TopModel::rows gives, groups with their processes nested.
#include "procview/top_json.hpp"

namespace vs::procview {

namespace {

nlohmann::json figures(const TopRow& r, const Clock& c) {
    nlohmann::json j;
    j["cpu_pct"] = r.cpu_pct;
    j["rss_bytes"] = r.rss_bytes;
    j["vsz_bytes"] = r.vsz_known ? nlohmann::json(r.vsz_bytes) : nlohmann::json(nullptr);
    j["time_ms"] = c.ticks_to_ms(r.time_ticks);
    return j;
}

}  // namespace

nlohmann::json top_json(const TopModel& m, TopSort sort, const std::vector<TopRow>& rows) {
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& r : rows) {
        if (r.group) {
            nlohmann::json g = figures(r, m.clock());
            g["context"] = r.context;
            g["guest"] = r.key.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.key);
            g["procs"] = r.procs;
            g["processes"] = r.expanded ? nlohmann::json::array() : nlohmann::json(nullptr);
            groups.push_back(std::move(g));
            continue;
        }
        if (groups.empty() || !groups.back()["processes"].is_array()) continue;
        nlohmann::json p = figures(r, m.clock());
        p["pid"] = r.pid;
        p["user"] = r.user;
        p["state"] = std::string(1, r.state);
        p["command"] = r.command;
        groups.back()["processes"].push_back(std::move(p));
    }
    return {{"processes", m.process_count()},
            {"guests", m.guest_count()},
            {"sort", sort_name(sort)},
            {"groups", std::move(groups)}};
}

}  // namespace vs::procview
