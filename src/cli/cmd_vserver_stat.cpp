// vserver-stat: one line per running context (util-vserver's columns), or --json.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/guest_addresses.hpp"
#include "cli/registry.hpp"
#include "procview/guest_stats.hpp"

namespace vs::cli {
namespace {

constexpr const char* kHelp =
    "usage: vserver-stat [--json]\n"
    "  CTX PROC VSZ RSS userTIME sysTIME UPTIME NAME for the host (context 0, \"root\n"
    "  server\") and every running guest; --json: the same rows as a JSON array,\n"
    "  plus each guest's live addresses.\n";

int vserver_stat_main(std::vector<std::string>& args) {
    bool json = false;
    for (auto& a : args) {
        if (a == "--json") {
            json = true;
        } else if (a == "--help" || a == "-h") {
            fmt::print("{}", kHelp);
            return kOk;
        } else {
            log::error("unknown argument \"{}\"", a);
            return kUsage;
        }
    }
    auto paths = config::Paths::from_env();
    procview::XidCache xids(paths);
    auto snap = procview::take_snapshot(xids);
    if (!snap) {
        log::error("{}", snap.error().what());
        return kFail;
    }
    auto rows = procview::stat_rows(*snap, paths);
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (auto& r : rows) {
            auto j = procview::stat_row_json(r);
            // Not in the table: util-vserver's NAME is its last column and may hold spaces
            // ("root server"), so scripts read it to the end of the line.
            j["addresses"] = r.host ? nlohmann::json(nullptr) : guest_addresses_json(paths, r.name);
            out.push_back(std::move(j));
        }
        fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        fmt::print("{}", procview::format_stat_table(rows));
    }
    return kOk;
}

RegisterTool reg("vserver-stat",
                 {"one line per running guest: processes, memory, cpu time, uptime",
                  kHelp,
                  {"--json"}},
                 vserver_stat_main);

}  // namespace
}  // namespace vs::cli
