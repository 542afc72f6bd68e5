// vtop's data: per-guest groups and their processes, with cpu% between two samples.
//
// Cost model (the goal: one refresh of 10,000 processes in 50 guests under 50 ms of CPU,
// bench/vps_vtop.sh): the kernel formats every /proc/PID/stat line on read, so reading every
// process alone would take most of that budget. A collapsed guest's row therefore comes from its
// cgroup's own accounting (cpu time, memory usage, OOM kills: a handful of small files per guest)
// and its process count from the membership snapshot (cgroup.procs); per-process stat lines are
// read only for host processes and for guests the user expanded.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "cgroup/manager.hpp"
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
    std::string context;  ///< "xid name" ("0 MAIN"), on group rows
    std::string key;      ///< group identity for expand/collapse: "" = host, else guest name
    bool expanded = false;
    uint32_t procs = 0;  ///< group rows
    pid_t pid = 0;       ///< process rows
    std::string user;
    char state = ' ';
    double cpu_pct = 0;  ///< of one cpu, like top (a guest can exceed 100 on SMP)
    uint64_t rss_bytes = 0, vsz_bytes = 0;
    /// False on guest rows taken from the cgroup: cgroups account memory in use (rss_bytes
    /// then holds the cgroup's memory usage, what memory.max limits), not virtual size.
    bool vsz_known = true;
    uint64_t time_ticks = 0;  ///< user + system
    std::string command;
};

class TopModel {
public:
    explicit TopModel(config::Paths paths);
    /// Takes a sample: the pid list, then membership (so a pid is labelled with the guest it
    /// is in by now), then stat lines of host processes and of the guests named in `expanded`
    /// (by key), and the cgroup figures of every guest.
    Status refresh(const std::set<std::string>& expanded = {});

    /// Groups (host first when sorting ties) each followed, when its key is in `expanded`, by
    /// its processes, both sorted by `sort` (descending for numbers, ascending for pid/name).
    /// A guest expanded since the last refresh has its processes read now (their cpu% is then
    /// the average over their lifetime until the next refresh, as on first sight).
    std::vector<TopRow> rows(TopSort sort, bool reverse, const std::set<std::string>& expanded);

    /// Keys of every group of the last sample ("" for the host, then guest names).
    std::vector<std::string> keys() const;

    size_t process_count() const { return process_count_; }
    size_t guest_count() const { return members_.guests.size(); }
    /// Stat lines read by the last refresh (and rows()): what a refresh cost in /proc reads.
    size_t stat_reads() const { return stat_reads_; }
    const Clock& clock() const { return clock_; }

private:
    struct Prev {
        uint64_t start = 0, ticks = 0;
        double when = 0;  ///< seconds since boot when read
    };
    /// A guest's row figures from its cgroup, and what the previous sample saw.
    struct GroupSample {
        bool have = false;  ///< cgroup stats readable (else: sums of its processes)
        uint64_t cpu_us = 0, memory = 0;
        double cpu_pct = 0;
    };
    struct GroupPrev {
        uint64_t cpu_us = 0;
        double when = 0;
    };
    struct ProcSample {
        Proc proc;
        double cpu = 0;
    };

    /// Reads one process's stat line and cpu% into `out`; false if it is gone.
    bool sample(pid_t pid, double now, std::vector<ProcSample>& out,
                std::unordered_map<pid_t, Prev>& next);
    /// Reads the processes of guest index `g` (membership order) into details_[g+1].
    void load_details(size_t g);
    /// Group row `g` (0: the host, then the guests) and, when it is expanded, its processes'
    /// rows into `procs`.
    TopRow group_rows(size_t g, const std::set<std::string>& expanded, std::vector<TopRow>& procs);
    GroupSample sample_group(const Guest& g, double now);
    cgroup::Manager* manager(const std::string& name);

    config::Paths paths_;
    Result<Scanner> scanner_;
    XidCache xids_;
    UserNames users_;
    Clock clock_;
    size_t process_count_ = 0;
    size_t stat_reads_ = 0;
    Membership members_;
    /// Index 0: host processes; i+1: guest i's processes when loaded (expanded).
    std::vector<std::vector<ProcSample>> details_;
    std::vector<bool> loaded_;
    std::vector<GroupSample> groups_;  ///< per guest (membership order)
    std::unordered_map<pid_t, Prev> prev_;
    std::unordered_map<std::string, GroupPrev> group_prev_;
    /// Start time (clock ticks since boot) of the guest's oldest process seen on first sight,
    /// for the lifetime cpu% of a guest's first sample.
    std::unordered_map<std::string, uint64_t> group_start_;
    std::map<std::string, std::unique_ptr<cgroup::Manager>> managers_;
    double now_ = 0;
    double last_sample_ = -1;
};

}  // namespace vs::procview
