// Sharing one group of identical files: extent dedupe or an immutable shared inode.
#pragma once

#include <xxhash.h>

#include <vector>

#include "unify/file_ops.hpp"
#include "unify/guest_state.hpp"

namespace vs::unify {

/// A hashed candidate: guests[g].found[f], its content hash and (hard-link method) its xattrs.
struct Cand {
    size_t g = 0, f = 0;
    XXH128_hash_t hash{};
    Xattrs x;
    bool ours = false;  ///< already an inode hashify shares (marked and immutable)
    uint64_t leader_dev = 0, leader_ino = 0;  ///< from the cache: deduplicated against that
};

/// Shares the members (indexes into `cands`, all with one group key, reference guests first).
/// Per-file failures go into the guests' reports; nothing here fails the run.
void share_group(std::vector<Guest>& guests, std::vector<Cand>& cands,
                 const std::vector<size_t>& members, const Options& opt);

}  // namespace vs::unify
