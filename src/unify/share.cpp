// share_group(): FIDEDUPERANGE against the group's first file (share_dedupe.cpp), or one
// immutable inode that every member's name is swapped to (share_hardlink.cpp); the candidate's
// checked reopen both methods use.
#include "unify/share.hpp"

#include <fcntl.h>

#include <algorithm>
#include <tuple>

#include "fs/resolve.hpp"
#include "unify/share_methods.hpp"

namespace vs::unify {

Ref ref(std::vector<GuestView>& guests, const std::vector<Cand>& cands, size_t ci) {
    GuestView& g = guests[cands[ci].g];
    const Found& f = g.found[cands[ci].f];
    return {f, g, g.tree.root + "/" + f.rel};
}

Result<UniqueFd> reopen(Ref r, int flags, UniqueFd* dir_out, std::string* name_out) {
    std::string name;
    auto dir = r.g.dirs.parent(r.f.rel, name);
    auto fd = dir ? r.g.dirs.open_regular(*dir, name, flags | O_NOATIME | O_NONBLOCK)
                  : Result<UniqueFd>(std::move(dir).error());
    if (!fd) {
        if (changed_meanwhile(fd.error().code)) {
            r.g.rep.changed.push_back(r.f.rel);
            return UniqueFd();
        }
        return std::move(fd).error();
    }
    auto now = VS_TRY(fstatx(fd->get(), r.what));
    if (!unchanged(now, r.f.stx)) {
        r.g.rep.changed.push_back(r.f.rel);
        return UniqueFd();
    }
    if (dir_out) {
        int d = ::fcntl(*dir, F_DUPFD_CLOEXEC, 3);
        if (d < 0) return errno_error("dup");
        *dir_out = UniqueFd(d);
        *name_out = name;
    }
    return std::move(*fd);
}

Result<UniqueFd> reopen_kept(Ref r, Cand& c) {
    if (!c.fd) return reopen(r, O_RDONLY);
    UniqueFd fd = std::move(c.fd);
    auto now = VS_TRY(fstatx(fd.get(), r.what));
    if (!unchanged(now, r.f.stx)) {
        r.g.rep.changed.push_back(r.f.rel);
        return UniqueFd();
    }
    return fd;
}

void note(GuestView& g, const Error& e) { g.rep.errors.push_back(e.what()); }

bool snapshot_copies(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
                     const std::vector<size_t>& members) {
    // Sorted by inode number and times, the copies of one file are neighbours: one pass over
    // them, not every pair (a group can hold a member of each of thousands of guests).
    std::vector<const struct statx*> by;
    by.reserve(members.size());
    for (size_t mi : members) by.push_back(&ref(guests, cands, mi).f.stx);
    auto key = [](const struct statx* x) {
        return std::tuple(x->stx_ino, x->stx_ctime.tv_sec, x->stx_ctime.tv_nsec,
                          x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec);
    };
    std::sort(by.begin(), by.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
    for (size_t i = 0; i + 1 < by.size(); ++i)
        if (key(by[i]) == key(by[i + 1]) && (by[i]->stx_dev_major != by[i + 1]->stx_dev_major ||
                                             by[i]->stx_dev_minor != by[i + 1]->stx_dev_minor))
            return true;
    return false;
}

void GuestView::merge_into(Guest& g) const {
    g.rep.shared_files += rep.shared_files;
    g.rep.shared_bytes += rep.shared_bytes;
    g.rep.already_shared += rep.already_shared;
    g.rep.inline_files += rep.inline_files;
    g.rep.changed.insert(g.rep.changed.end(), rep.changed.begin(), rep.changed.end());
    g.rep.errors.insert(g.rep.errors.end(), rep.errors.begin(), rep.errors.end());
    for (const auto& h : cache.v) g.cache.put(h);
}

void share_group(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                 const std::vector<size_t>& members, const Options& opt,
                 std::unique_ptr<InlineLater>* later) {
    if (guests[cands[members[0]].g].method == Method::Dedupe)
        share_dedupe(guests, cands, members, opt, later);
    else
        share_hardlink(guests, cands, members, opt);
}

void finish_group(InlineLater& later) { finish_inline(later); }

}  // namespace vs::unify
