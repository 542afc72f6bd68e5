// vtop's data: per-guest groups and their processes, with cpu% between two samples.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "procview/clock.hpp"
#include "procview/membership.hpp"
#include "procview/scanner.hpp"
#include "procview/users.hpp"

namespace vs::procview {

enum class TopSort { Cpu, Mem, Pid, Time, Name };
const char* sort_name(TopSort s);

struct TopRow {
    bool group = false;
    std::string context;     ///< "xid name" ("0 MAIN"), on group rows
    std::string key;         ///< group identity for expand/collapse: "" = host, else guest name
    bool expanded = false;
    uint32_t procs = 0;      ///< group rows
    pid_t pid = 0;           ///< process rows
    std::string user;
    char state = ' ';
    double cpu_pct = 0;      ///< of one cpu, like top (a guest can exceed 100 on SMP)
    uint64_t rss_bytes = 0, vsz_bytes = 0;
    uint64_t time_ticks = 0; ///< user + system
    std::string command;
};

class TopModel {
public:
    explicit TopModel(config::Paths paths);
    /// Takes a sample: processes first, then membership (see Membership).
    Status refresh();

    /// Groups (host first when sorting ties) each followed, when its key is in `expanded`, by
    /// its processes, both sorted by `sort` (descending for numbers, ascending for pid/name).
    std::vector<TopRow> rows(TopSort sort, bool reverse, const std::set<std::string>& expanded);

    size_t process_count() const { return procs_.size(); }
    size_t guest_count() const { return members_.guests.size(); }
    const Clock& clock() const { return clock_; }

private:
    struct Prev {
        uint64_t start = 0, ticks = 0;
    };
    config::Paths paths_;
    Result<Scanner> scanner_;
    XidCache xids_;
    UserNames users_;
    Clock clock_;
    std::vector<Proc> procs_;
    std::vector<double> cpu_;   ///< per procs_ entry
    Membership members_;
    std::unordered_map<pid_t, Prev> prev_;
    double last_sample_ = -1;
};

}  // namespace vs::procview
