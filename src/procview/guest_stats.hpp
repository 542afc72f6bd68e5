// vserver-stat's rows (one per running context) and `vserver NAME status --json`.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "cgroup/manager.hpp"
#include "config/paths.hpp"
#include "procview/aggregate.hpp"
#include "procview/snapshot.hpp"

namespace vs::procview {

struct StatRow {
    std::optional<uint32_t> xid;  ///< 0 for the host; nullopt: guest without `context`
    std::string name;             ///< guest name; "root server" for the host
    bool host = false;
    Usage usage;                          ///< summed over the live processes
    std::optional<cgroup::Stats> cgroup;  ///< the guest cgroup's own accounting, when readable
    double uptime_s = 0;                  ///< age of the oldest process
    uint64_t cpu_user_ms = 0, cpu_system_ms = 0;  ///< cgroup totals if known, else the sums
};

/// Host row first, then guests by xid (those without one last, by name).
std::vector<StatRow> stat_rows(const Snapshot& s, const config::Paths& paths);

/// util-vserver's time columns: "MmSSsHH" under an hour, "HhMMmSS" under a day,
/// "DdHHhMM" under a year, else "YyDDDdHH".
std::string format_duration(double seconds);

/// The table with util-vserver's header:
/// "CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME".
std::string format_stat_table(const std::vector<StatRow>& rows);

/// One row as JSON (schema: docs/host-tools.md, "vserver-stat --json").
nlohmann::json stat_row_json(const StatRow& r);

/// The guest cgroup's own accounting (cgroup::Manager::stats()); nullopt when the guest has no
/// cgroup or it cannot be read.
std::optional<cgroup::Stats> guest_cgroup_stats(const config::Paths& paths,
                                                const std::string& name);

/// `vserver NAME status --json` data: running, xid, process count and pids, memory and cpu,
/// uptime, cgroup stats. Reads only the guest's own processes. Schema: docs/host-tools.md.
Result<nlohmann::json> guest_status_json(const config::Paths& paths, const std::string& name);

}  // namespace vs::procview
