// What share.cpp gives the two sharing methods (share_dedupe.cpp, share_hardlink.cpp) and
// takes from them: a candidate's file in its guest's view, reopened checked, and the methods.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "unify/method.hpp"
#include "unify/share.hpp"

namespace vs::unify {

struct Ref {
    const Found& f;
    GuestView& g;
    std::string what;
};

Ref ref(std::vector<GuestView>& guests, const std::vector<Cand>& cands, size_t ci);

// Opens a candidate again, checking it is the very file that was hashed, unchanged. A changed
// file is reported (g.rep.changed) and yields an invalid fd.
Result<UniqueFd> reopen(Ref r, int flags, UniqueFd* dir_out = nullptr,
                        std::string* name_out = nullptr);

/// For extent sharing: the candidate's kept open (Cand::fd, taken) when its file is still
/// unchanged, else reopen(r, O_RDONLY). A dedupe acts on the inode, whichever name it has now.
Result<UniqueFd> reopen_kept(Ref r, Cand& c);
void note(GuestView& g, const Error& e);

/// Whether two members are one file in two snapshots of a subvolume (`build -m clone` on btrfs):
/// the same inode number and times, in different subvolumes. They share their metadata leaf,
/// inline data included, until one changes; a dedupe would give each its own (FIEMAP reports no
/// sharing of inline data, so the inode and times tell).
bool snapshot_copies(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
                     const std::vector<size_t>& members);

struct InlineLater;
/// `later`: as share_inline's.
void share_dedupe(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const Options& opt,
                  std::unique_ptr<InlineLater>* later);
/// A group of small files whose dedupes onto a staging copy are still to run (share_inline):
/// the members' opens and extents, and the extent they are to share.
struct InlineLater {
    InlineLater(std::vector<GuestView>& gs, std::vector<Cand>& cs, const std::vector<size_t>& ms,
                const std::vector<bool>& n)
        : guests(gs), cands(cs), members(ms), noted(n) {}
    struct Member {
        UniqueFd fd;
        Extents ext;
        bool ok = false;
        bool regular() const { return ok && !ext.inline_data && ext.placed && !ext.list.empty(); }
    };
    std::vector<GuestView>& guests;
    std::vector<Cand>& cands;
    const std::vector<size_t>& members;
    std::vector<bool> noted;
    std::vector<Member> m;
    size_t lead = 0;
    bool worth = false;
    UniqueFd staging;
    int lfd = -1;
    Extents lext;
    uint64_t ldev = 0, lino = 0;
};

/// Extent sharing of a group of small files (below kInlineMax) of which some are kept inline by
/// btrfs: all of it, and true, when a member is inline; false (and nothing done, the kept opens
/// given back) when none is. `noted`: the members the cache says share already (share_dedupe).
/// With `later`, the dedupes onto a staging copy just written may be left in `*later` for the
/// caller to run with finish_inline() once the copy's writeback has had time to complete.
bool share_inline(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const std::vector<bool>& noted,
                  std::unique_ptr<InlineLater>* later);
void finish_inline(InlineLater& later);
/// No filesystem keeps a file inline from this size on (btrfs: below its sector size).
inline constexpr uint64_t kInlineMax = 4096;
void share_hardlink(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
                    const std::vector<size_t>& members, const Options& opt);

}  // namespace vs::unify
