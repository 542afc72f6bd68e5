// share_group(): FIDEDUPERANGE against the group's first file (share_dedupe.cpp), or one
// immutable inode that every member's name is swapped to (share_hardlink.cpp); the candidate's
// checked reopen both methods use.
#include "unify/share.hpp"

#include <fcntl.h>

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
    auto fd = dir ? fs::open_regular(*dir, name, flags | O_NOATIME | O_NONBLOCK)
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
                 const std::vector<size_t>& members, const Options& opt) {
    if (guests[cands[members[0]].g].method == Method::Dedupe)
        share_dedupe(guests, cands, members, opt);
    else
        share_hardlink(guests, cands, members, opt);
}

}  // namespace vs::unify
