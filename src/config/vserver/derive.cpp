// rlimits -> cgroup resources (see derive.hpp).
#include "config/vserver/derive.hpp"

#include <unistd.h>

namespace vs::config::vserver {

namespace {

int64_t as_limit(uint64_t v, uint64_t mult) {
    if (v == spec::Rlimit::kUnlimited) return -1;
    if (v > static_cast<uint64_t>(INT64_MAX) / mult) return -1;
    return static_cast<int64_t>(v * mult);
}

}  // namespace

spec::Resources resources_from_rlimits(const spec::GuestSpec& s) {
    spec::Resources r;
    // VServer's nproc rlimit counted the whole context: exactly what pids.max does.
    if (auto it = s.rlimits.find("nproc"); it != s.rlimits.end() && it->second.hard)
        r.pids_max = as_limit(*it->second.hard, 1);
    // VServer's rss limit capped the context's resident pages: memory.max; a lower soft limit
    // becomes memory.high (reclaim pressure before the hard stop).
    if (auto it = s.rlimits.find("rss"); it != s.rlimits.end()) {
        uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
        const auto& rl = it->second;
        if (rl.hard) r.memory_max = as_limit(*rl.hard, page);
        if (rl.soft && (!rl.hard || *rl.soft < *rl.hard)) r.memory_high = as_limit(*rl.soft, page);
    }
    return r;
}

}  // namespace vs::config::vserver
