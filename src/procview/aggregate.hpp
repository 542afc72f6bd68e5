// Per-guest totals over a process list: count, VSZ, RSS, cpu times, oldest start.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "procview/membership.hpp"
#include "procview/scanner.hpp"

namespace vs::procview {

struct Usage {
    uint32_t procs = 0;
    uint64_t vsz_bytes = 0;
    uint64_t rss_bytes = 0;
    uint64_t utime_ticks = 0;
    uint64_t stime_ticks = 0;
    uint64_t oldest_start_ticks = std::numeric_limits<uint64_t>::max();  ///< max = no process
};

/// Result index 0 is the host (context 0), index i+1 is m.guests[i]. Kernel threads count for
/// the host's process number but, having no memory, add nothing else.
std::vector<Usage> aggregate(const std::vector<Proc>& procs, const Membership& m, long page_size);

}  // namespace vs::procview
