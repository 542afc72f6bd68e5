// What share.cpp gives the two sharing methods (share_dedupe.cpp, share_hardlink.cpp) and
// takes from them: a candidate's file in its guest's view, reopened checked, and the methods.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
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

void share_dedupe(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const Options& opt);
/// Extent sharing of a group of small files (below kInlineMax) of which some are kept inline by
/// btrfs: all of it, and true, when a member is inline; false (and nothing done, the kept opens
/// given back) when none is. `noted`: the members the cache says share already (share_dedupe).
bool share_inline(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const std::vector<bool>& noted);
/// No filesystem keeps a file inline from this size on (btrfs: below its sector size).
inline constexpr uint64_t kInlineMax = 4096;
void share_hardlink(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
                    const std::vector<size_t>& members, const Options& opt);

}  // namespace vs::unify
