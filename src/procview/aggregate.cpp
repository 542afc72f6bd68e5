// Aggregation of scanned processes by guest.
#include "procview/aggregate.hpp"

#include <algorithm>

namespace vs::procview {

std::vector<Usage> aggregate(const std::vector<Proc>& procs, const Membership& m, long page_size) {
    std::vector<Usage> u(m.guests.size() + 1);
    for (auto& p : procs) {
        Usage& x = u[static_cast<size_t>(m.guest_of(p.stat.pid) + 1)];
        ++x.procs;
        x.vsz_bytes += p.stat.vsize_bytes;
        x.rss_bytes += p.stat.rss_pages * static_cast<uint64_t>(page_size);
        x.utime_ticks += p.stat.utime_ticks;
        x.stime_ticks += p.stat.stime_ticks;
        x.oldest_start_ticks = std::min(x.oldest_start_ticks, p.stat.start_ticks);
    }
    return u;
}

}  // namespace vs::procview
