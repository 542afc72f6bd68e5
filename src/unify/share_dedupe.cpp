// share_dedupe(): each group member's extents deduplicated (FIDEDUPERANGE) against a leader's,
// leaving files that share their extents already as they are.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include <map>
#include <set>
#include <utility>

#include "unify/method.hpp"
#include "unify/share_methods.hpp"

namespace vs::unify {

namespace {

uint64_t dev_of(const struct statx& s) { return makedev(s.stx_dev_major, s.stx_dev_minor); }

bool on_overlay(int fd) {
    struct statfs sf {};
    return ::fstatfs(fd, &sf) == 0 &&
           static_cast<unsigned long>(sf.f_type) == OVERLAYFS_SUPER_MAGIC;
}

}  // namespace

void share_dedupe(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const Options& opt,
                  std::unique_ptr<InlineLater>* later) {
    // Leaders are opened only when a member needs them: on a rerun over unchanged trees every
    // member is found sharing already (by inode, or by the cache's note) without any open.
    struct Leader {
        size_t ci;
        uint64_t dev, ino;
        UniqueFd fd;
        bool failed = false;
        Extents ext;
    };
    auto extents = [](int fd, Ref& r) {
        auto e = extents_of(fd, r.f.stx, r.what);
        if (e) return std::move(*e);
        note(r.g, e.error());
        Extents none;
        none.placed = false;
        return none;
    };
    // Files that share their extents with another member already (snapshots of one guest, reflink
    // copies: the same places at the same offsets) are left as they are: deduplicating one of
    // them against another place would rewrite its metadata (unsharing the tree blocks a
    // snapshot shares) and free nothing until every copy had moved. So a first pass reads each
    // member's extents (FIEMAP, no data read), unless the cache says all but one are done: a
    // cache note names the member a file shares its extents with, and while that one is still in
    // the group (same inode, same hash) the pair is done.
    std::set<std::pair<uint64_t, uint64_t>> inodes;
    for (size_t ci : members) {
        const Found& f = guests[cands[ci].g].found[cands[ci].f];
        inodes.emplace(dev_of(f.stx), f.stx.stx_ino);
    }
    std::vector<bool> noted(members.size());
    size_t fresh = 0;
    for (size_t i = 0; i < members.size(); ++i) {
        const Cand& c = cands[members[i]];
        const Found& f = guests[c.g].found[c.f];
        noted[i] = c.leader_dev != 0 &&
                   (c.leader_dev != dev_of(f.stx) || c.leader_ino != f.stx.stx_ino) &&
                   inodes.count({c.leader_dev, c.leader_ino});
        fresh += !noted[i];
    }
    // Small files btrfs keeps in its metadata: shared through one extent (share_inline.cpp).
    if (!opt.dry_run && fresh > 0 &&
        guests[cands[members[0]].g].found[cands[members[0]].f].stx.stx_size < kInlineMax &&
        share_inline(guests, cands, members, noted, later))
        return;
    struct Seen {
        Extents ext;
        UniqueFd fd;
        bool ok = false;
        bool gone = false;  ///< changed or failed at the first reopen, and reported then
    };
    std::vector<Seen> seen(members.size());
    // Per place: the first two members met there (index into `members`; members.size() = none).
    std::map<std::vector<Extents::One>, std::pair<size_t, size_t>> places;
    if (!opt.dry_run && fresh > 1)
        for (size_t i = 0; i < members.size(); ++i) {
            if (noted[i]) continue;
            Ref r = ref(guests, cands, members[i]);
            const bool kept = static_cast<bool>(cands[members[i]].fd);
            auto fd = reopen_kept(r, cands[members[i]]);
            if (!fd || !*fd) {
                if (!fd) note(r.g, fd.error());
                seen[i].gone = true;  // neither a leader nor deduplicated below
                continue;
            }
            seen[i].ext = extents(fd->get(), r);
            seen[i].ok = true;
            if (seen[i].ext.placed && !seen[i].ext.inline_data && !seen[i].ext.list.empty()) {
                auto [pl, first] = places.try_emplace(seen[i].ext.list, i, members.size());
                if (!first && pl->second.second == members.size()) pl->second.second = i;
            }
            // Kept open for the second pass, within a bound on open files per worker (or given
            // back when it was the hashing open, which counts against the run's bound already).
            if (members.size() <= 64)
                seen[i].fd = std::move(*fd);
            else if (kept)
                cands[members[i]].fd = std::move(*fd);
        }
    std::vector<Leader> leaders;
    for (size_t mi = 0; mi < members.size(); ++mi) {
        const size_t ci = members[mi];
        Cand& c = cands[ci];
        Ref r = ref(guests, cands, ci);
        const uint64_t dev = dev_of(r.f.stx), ino = r.f.stx.stx_ino, size = r.f.stx.stx_size;
        if (seen[mi].gone) continue;
        bool done = noted[mi];
        for (auto& l : leaders) done = done || (l.dev == dev && l.ino == ino);
        if (done) {
            if (!r.g.tree.reference) ++r.g.rep.already_shared;
            continue;
        }
        if (leaders.empty() || r.g.tree.reference) {
            leaders.push_back({ci, dev, ino, std::move(seen[mi].fd)});
            if (leaders.back().fd) leaders.back().ext = std::move(seen[mi].ext);
            continue;
        }
        if (opt.dry_run) {
            ++r.g.rep.shared_files;
            r.g.rep.shared_bytes += size;
            continue;
        }
        Result<UniqueFd> fd =
            seen[mi].fd ? Result<UniqueFd>(std::move(seen[mi].fd)) : reopen_kept(r, c);
        if (!fd) {
            note(r.g, fd.error());
            continue;
        }
        if (!*fd) continue;
        Extents ext = seen[mi].ok ? std::move(seen[mi].ext) : extents(fd->get(), r);
        if (ext.inline_data) {
            // btrfs keeps the data in the inode's metadata: a dedupe would copy it, not share.
            ++r.g.rep.inline_files;
            r.g.cache.put({key_of(r.f.stx), c.hash, kInlineLeader, kInlineLeader});
            continue;
        }
        if (auto pl = places.find(ext.list);
            ext.placed && pl != places.end() && pl->second.second != members.size()) {
            // The cache notes the member holding the same extents, not some leader.
            const size_t other = pl->second.first == mi ? pl->second.second : pl->second.first;
            const Found& o = guests[cands[members[other]].g].found[cands[members[other]].f];
            ++r.g.rep.already_shared;
            r.g.cache.put({key_of(r.f.stx), c.hash, dev_of(o.stx), o.stx.stx_ino});
            continue;
        }
        bool placed = false;
        for (auto& l : leaders) {
            if (l.failed) continue;
            if (!l.fd) {
                Ref lr = ref(guests, cands, l.ci);
                auto lfd = reopen_kept(lr, cands[l.ci]);
                if (!lfd || !*lfd) {
                    if (!lfd) note(lr.g, lfd.error());
                    l.failed = true;
                    continue;
                }
                l.fd = std::move(*lfd);
                l.ext = extents(l.fd.get(), lr);
            }
            if (same_extents(l.ext, ext)) {
                // Shared already (a snapshot, a reflink copy): a dedupe would only rewrite the
                // file's metadata, unsharing what a snapshot shares.
                placed = true;
                ++r.g.rep.already_shared;
                r.g.cache.put({key_of(r.f.stx), c.hash, l.dev, l.ino});
                break;
            }
            auto d = dedupe(l.fd.get(), fd->get(), size, r.what);
            if (!d && d.error().code == EXDEV) continue;  // another filesystem: next leader
            if (!d && d.error().code == EPERM && on_overlay(fd->get())) {
                // A layered guest's file still in its base (store/layered_root.hpp): overlayfs
                // never copies a file up for a dedupe (EPERM). The base is a reflink copy that
                // the guest's sibling clones share: nothing to gain by writing it.
                placed = true;
                ++r.g.rep.already_shared;
                r.g.cache.put({key_of(r.f.stx), c.hash, l.dev, l.ino});
                break;
            }
            placed = true;
            if (!d) {
                note(r.g, d.error());
                break;
            }
            if (!*d) {
                // The kernel found other bytes: changed after hashing (or, at 2^-128, a
                // collision). Nothing was shared.
                r.g.rep.changed.push_back(r.f.rel);
                break;
            }
            ++r.g.rep.shared_files;
            r.g.rep.shared_bytes += size;
            // A dedupe changes no time stamp (REMAP_FILE_DEDUP skips file_modified()): the key
            // reopen() checked is still the file's.
            r.g.cache.put({key_of(r.f.stx), c.hash, l.dev, l.ino});
            break;
        }
        if (!placed) leaders.push_back({ci, dev, ino, std::move(*fd)});
    }
}

}  // namespace vs::unify
