// vtop -b --json: one sample of vtop's rows as a JSON document (docs/json/vtop.schema.json).
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "procview/top_model.hpp"

namespace vs::procview {

/// {"processes", "guests", "sort", "groups": [{"context", "guest" (null for the host),
/// "procs", "cpu_pct", "rss_bytes", "vsz_bytes" (null when the row comes from the cgroup),
/// "time_ms", "processes": [...] when expanded, else null}]}, in `rows`' order.
nlohmann::json top_json(const TopModel& m, TopSort sort, const std::vector<TopRow>& rows);

}  // namespace vs::procview
