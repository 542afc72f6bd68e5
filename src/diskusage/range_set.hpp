// RangeSet: a union of byte ranges, so that space referenced several times is counted once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace vs::diskusage {

/// Half-open ranges [start, start + length) merged as they are added. Used per physical address
/// space (one filesystem): two files, or two guests, that reference the same blocks through a
/// reflink, a snapshot or a dedupe report overlapping ranges, and the union counts them once.
class RangeSet {
public:
    /// Adds [start, start + length); returns how many of its bytes were not covered yet.
    uint64_t add(uint64_t start, uint64_t length);
    /// Whether any byte of [start, start + length) is covered.
    bool overlaps(uint64_t start, uint64_t length) const;
    /// Bytes covered, each once.
    uint64_t bytes() const { return bytes_; }
    /// Number of disjoint ranges kept (for tests).
    size_t pieces() const { return ranges_.size(); }

private:
    std::map<uint64_t, uint64_t> ranges_;  // start -> end, disjoint and not touching
    uint64_t bytes_ = 0;
};

}  // namespace vs::diskusage
