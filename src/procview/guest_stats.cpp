// vserver-stat rows: process sums from procview, cpu/memory/pids/oom from the cgroup manager.
#include "procview/guest_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/strings.hpp"

namespace vs::procview {
namespace {

double uptime_of(const Usage& u, const Clock& c) {
    if (u.procs == 0 || u.oldest_start_ticks == std::numeric_limits<uint64_t>::max()) return 0;
    return std::max(0.0, Clock::since_boot() - c.ticks_to_s(u.oldest_start_ticks));
}

}  // namespace

std::optional<cgroup::Stats> guest_cgroup_stats(const config::Paths& paths,
                                                const std::string& name) {
    cgroup::Options o;
    o.root = paths.cgroup_root;
    o.parent = paths.cgroup_parent;
    o.name = name;
    auto m = cgroup::open(o);
    if (!m || !(*m)->exists()) return std::nullopt;
    auto st = (*m)->stats();
    if (!st) return std::nullopt;
    return *st;
}

namespace {

void fill_cpu(StatRow& r, const Clock& c) {
    r.cpu_user_ms = c.ticks_to_ms(r.usage.utime_ticks);
    r.cpu_system_ms = c.ticks_to_ms(r.usage.stime_ticks);
    // The cgroup counts the time of processes that have exited too (as the vserver kernel's
    // per-context accounting did), so prefer it when the backend reports it.
    if (r.cgroup && r.cgroup->cpu_user_us + r.cgroup->cpu_system_us > 0) {
        r.cpu_user_ms = r.cgroup->cpu_user_us / 1000;
        r.cpu_system_ms = r.cgroup->cpu_system_us / 1000;
    }
}

}  // namespace

std::vector<StatRow> stat_rows(const Snapshot& s, const config::Paths& paths) {
    auto usage = aggregate(s.procs, s.members, s.clock.page);
    std::vector<StatRow> rows;
    StatRow host;
    host.xid = 0;
    host.name = "root server";
    host.host = true;
    host.usage = usage[0];
    host.uptime_s = uptime_of(host.usage, s.clock);
    fill_cpu(host, s.clock);
    rows.push_back(std::move(host));
    std::vector<StatRow> guests;
    for (size_t i = 0; i < s.members.guests.size(); ++i) {
        const Guest& g = s.members.guests[i];
        StatRow r;
        r.xid = g.xid;
        r.name = g.name;
        r.usage = usage[i + 1];
        if (r.usage.procs == 0) continue;  // all its processes exited since the scan
        r.uptime_s = uptime_of(r.usage, s.clock);
        r.cgroup = guest_cgroup_stats(paths, g.name);
        fill_cpu(r, s.clock);
        guests.push_back(std::move(r));
    }
    std::sort(guests.begin(), guests.end(), [](const StatRow& a, const StatRow& b) {
        if (a.xid.has_value() != b.xid.has_value()) return a.xid.has_value();
        if (a.xid && *a.xid != *b.xid) return *a.xid < *b.xid;
        return a.name < b.name;
    });
    for (auto& g : guests) rows.push_back(std::move(g));
    return rows;
}

std::string format_duration(double seconds) {
    if (seconds < 0) seconds = 0;
    auto total_cs = static_cast<uint64_t>(std::llround(seconds * 100));
    uint64_t s = total_cs / 100, cs = total_cs % 100;
    if (s < 3600) return fmt::format("{}m{:02}s{:02}", s / 60, s % 60, cs);
    if (s < 86400) return fmt::format("{}h{:02}m{:02}", s / 3600, s / 60 % 60, s % 60);
    if (s < 365 * 86400ULL)
        return fmt::format("{}d{:02}h{:02}", s / 86400, s / 3600 % 24, s / 60 % 60);
    return fmt::format("{}y{:03}d{:02}", s / (365 * 86400ULL), s / 86400 % 365, s / 3600 % 24);
}

std::string format_stat_table(const std::vector<StatRow>& rows) {
    std::string out = fmt::format("{:<5} {:>4} {:>6} {:>6} {:>9} {:>9} {:>9} {}\n", "CTX", "PROC",
                                  "VSZ", "RSS", "userTIME", "sysTIME", "UPTIME", "NAME");
    for (auto& r : rows) {
        out += fmt::format("{:<5} {:>4} {:>6} {:>6} {:>9} {:>9} {:>9} {}\n",
                           r.xid ? std::to_string(*r.xid) : std::string("-"), r.usage.procs,
                           str::human_bytes(r.usage.vsz_bytes), str::human_bytes(r.usage.rss_bytes),
                           format_duration(static_cast<double>(r.cpu_user_ms) / 1000),
                           format_duration(static_cast<double>(r.cpu_system_ms) / 1000),
                           format_duration(r.uptime_s), r.name);
    }
    return out;
}

nlohmann::json stat_row_json(const StatRow& r) {
    nlohmann::json j;
    j["xid"] = r.xid ? nlohmann::json(*r.xid) : nlohmann::json(nullptr);
    j["name"] = r.name;
    j["host"] = r.host;
    j["procs"] = r.usage.procs;
    j["vsz_bytes"] = r.usage.vsz_bytes;
    j["rss_bytes"] = r.usage.rss_bytes;
    j["cpu_user_ms"] = r.cpu_user_ms;
    j["cpu_system_ms"] = r.cpu_system_ms;
    j["uptime_s"] = std::floor(r.uptime_s * 100) / 100;
    if (r.cgroup) {
        j["cgroup"] = {{"cpu_user_us", r.cgroup->cpu_user_us},
                       {"cpu_system_us", r.cgroup->cpu_system_us},
                       {"memory_current_bytes", r.cgroup->memory_current},
                       {"memory_peak_bytes", r.cgroup->memory_peak},
                       {"pids_current", r.cgroup->pids_current},
                       {"pids_max", r.cgroup->pids_max ? nlohmann::json(*r.cgroup->pids_max)
                                                       : nlohmann::json(nullptr)},
                       {"oom_kills", r.cgroup->oom_kills}};
        // Top level too: "did the OOM killer strike in this guest" is what an admin or a
        // monitoring script asks most often.
        j["oom_kills"] = r.cgroup->oom_kills;
    } else {
        j["cgroup"] = nullptr;
        j["oom_kills"] = nullptr;
    }
    return j;
}

Result<nlohmann::json> guest_status_json(const config::Paths& paths, const std::string& name) {
    XidCache xids(paths);
    auto members = VS_TRY(snapshot_membership(xids));
    nlohmann::json j;
    j["name"] = name;
    auto x = xids.xid(name);
    j["xid"] = x ? nlohmann::json(*x) : nlohmann::json(nullptr);
    const Guest* g = members.find(name);
    j["running"] = g != nullptr;
    StatRow r;
    r.name = name;
    r.xid = x;
    Clock clock = Clock::now();
    std::vector<pid_t> pids;
    if (g) {
        auto scanner = VS_TRY(Scanner::open());
        Membership only;  // index everything read to this one guest
        only.guests.push_back(*g);
        std::vector<Proc> procs;
        for (pid_t pid : g->pids) {
            if (auto p = scanner.read(pid)) {
                only.index.emplace(pid, 0);
                pids.push_back(pid);
                procs.push_back(std::move(*p));
            }
        }
        r.usage = aggregate(procs, only, clock.page)[1];
        r.uptime_s = uptime_of(r.usage, clock);
        r.cgroup = guest_cgroup_stats(paths, name);
    }
    fill_cpu(r, clock);
    nlohmann::json row = stat_row_json(r);
    for (const char* k : {"procs", "vsz_bytes", "rss_bytes", "cpu_user_ms", "cpu_system_ms",
                          "uptime_s", "cgroup", "oom_kills"})
        j[k] = row[k];
    std::sort(pids.begin(), pids.end());
    j["pids"] = pids;
    j["started_unix"] = g && r.usage.procs
                            ? nlohmann::json(static_cast<int64_t>(
                                  clock.boot_unix + clock.ticks_to_s(r.usage.oldest_start_ticks)))
                            : nlohmann::json(nullptr);
    return j;
}

}  // namespace vs::procview
