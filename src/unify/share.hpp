// Sharing one group of identical files: extent dedupe or an immutable shared inode.
#pragma once

#include <xxhash.h>

#include <map>
#include <memory>
#include <vector>

#include "unify/file_ops.hpp"
#include "unify/guest_state.hpp"

namespace vs::unify {

struct InlineLater;  // share_methods.hpp

/// A hashed candidate: guests[g].found[f], its content hash and (hard-link method) its xattrs.
struct Cand {
    size_t g = 0, f = 0;
    XXH128_hash_t hash{};
    Xattrs x;
    bool ours = false;    ///< already an inode hashify shares (marked and immutable)
    bool reseal = false;  ///< marked, shared, but a killed run left it without the flag
    uint64_t leader_dev = 0, leader_ino = 0;  ///< from the cache: deduplicated against that
    /// Extent sharing: the open the file was hashed through, kept (within a bound on open files)
    /// for the sharing step, which takes it (reopen_kept) instead of opening the file again.
    UniqueFd fd;
};

/// The cache's leader for a file btrfs keeps inline (share_dedupe): nothing to share.
inline constexpr uint64_t kInlineLeader = ~0ull;

/// One sharing worker's view of a guest: the run's tree and files (read only), its own
/// directory fds, and what it changed, merged into the Guest when the workers are done
/// (workers share different groups, so they never touch one file).
struct GuestView {
    const GuestTree& tree;
    const std::vector<Found>& found;
    const std::map<InodeId, std::vector<size_t>>& aliases;  ///< Guest::aliases
    Method method;
    GuestReport rep;  ///< shared_files, shared_bytes, already_shared, inline_files, changed, errors
    Dirs dirs;
    struct Puts {
        std::vector<CachedHash> v;
        void put(const CachedHash& h) { v.push_back(h); }
    } cache;
    explicit GuestView(const Guest& g)
        : tree(g.tree),
          found(g.found),
          aliases(g.aliases),
          method(g.method),
          dirs(g.root.get(), g.self_fds.get()) {}
    /// Adds what this view did to `g`.
    void merge_into(Guest& g) const;
};

/// Shares the members (indexes into `cands`, all with one group key, reference guests first).
/// Per-file failures go into the guests' reports; nothing here fails the run. The members'
/// kept fds (Cand::fd) are taken; workers share different groups, so never one Cand.
/// With `later`, a group may be left half done in `*later` (btrfs inline files deduplicated
/// onto a staging copy whose writeback was just started): finish_group() completes it, best
/// after other groups' work, so that the dedupes do not wait for that writeback.
void share_group(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                 const std::vector<size_t>& members, const Options& opt,
                 std::unique_ptr<InlineLater>* later = nullptr);
void finish_group(InlineLater& later);

}  // namespace vs::unify
