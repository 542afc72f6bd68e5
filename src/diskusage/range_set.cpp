// RangeSet: merging half-open byte ranges and counting the bytes each addition newly covers.
#include "diskusage/range_set.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace vs::diskusage {

uint64_t RangeSet::add(uint64_t start, uint64_t length) {
    if (length == 0) return 0;
    // A range reaching past 2^64 (a corrupt or hostile extent report) is clipped, not wrapped.
    uint64_t end = length > std::numeric_limits<uint64_t>::max() - start
                       ? std::numeric_limits<uint64_t>::max()
                       : start + length;
    // The first range that could touch [start, end): the last one starting at or before start.
    auto it = ranges_.upper_bound(start);
    if (it != ranges_.begin()) {
        auto prev = std::prev(it);
        if (prev->second >= start) it = prev;
    }
    uint64_t covered = 0;  // bytes of [start, end) already in the set
    uint64_t new_start = start, new_end = end;
    while (it != ranges_.end() && it->first <= end) {
        uint64_t lo = std::max(it->first, start), hi = std::min(it->second, end);
        if (hi > lo) covered += hi - lo;
        new_start = std::min(new_start, it->first);
        new_end = std::max(new_end, it->second);
        it = ranges_.erase(it);
    }
    ranges_.emplace(new_start, new_end);
    const uint64_t added = (end - start) - covered;
    bytes_ += added;
    return added;
}

bool RangeSet::overlaps(uint64_t start, uint64_t length) const {
    if (length == 0) return false;
    uint64_t end = length > std::numeric_limits<uint64_t>::max() - start
                       ? std::numeric_limits<uint64_t>::max()
                       : start + length;
    auto it = ranges_.upper_bound(start);
    if (it != ranges_.begin() && std::prev(it)->second > start) return true;
    return it != ranges_.end() && it->first < end;
}

}  // namespace vs::diskusage
