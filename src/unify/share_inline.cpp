// share_inline(): small files btrfs keeps inline in its metadata, shared by extent dedupe after
// all. Their bytes go into one regular extent (a member's that has one, else a staging copy
// written so that it gets one), and each inline member is deduplicated onto it: the kernel
// compares the bytes and replaces the member's inline item by a reference to that extent.
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>

#include "unify/method.hpp"
#include "unify/share_methods.hpp"

namespace vs::unify {

namespace {

uint64_t dev_of(const struct statx& s) { return makedev(s.stx_dev_major, s.stx_dev_minor); }

// Whether a group of `n` copies of `size` bytes is worth one data block for all. Each inline
// copy's item (the bytes plus about 32 bytes of headers, twice over with btrfs's default DUP
// metadata) gives way to a file extent item; the block (4 KiB) is paid once.
bool worth_a_block(size_t n, uint64_t size) { return size > 32 && n * (size - 32) * 2 >= 4096; }

// A copy of the member's `size` bytes (below kInlineMax) from `src`, with no name, whose data
// lies in a regular extent: its first block is allocated (fallocate, keeping the size at 0)
// before the bytes are written, and btrfs writes data into an allocated extent where it is,
// never inline (a file whose data writeback finds below one block and without one would get
// inline data). The write itself sets the size: no truncate, which on btrfs waits for the
// copy's writeback. That writeback is started here and waited for by the first dedupe from it.
// An invalid fd when the bytes are not the group's (the member changed) or the filesystem
// cannot allocate ahead.
Result<UniqueFd> staging_copy(GuestView& g, const Found& f, int src, XXH128_hash_t hash) {
    const std::string what = g.tree.root + "/" + f.rel;
    const size_t size = static_cast<size_t>(f.stx.stx_size);
    char buf[kInlineMax];
    if (size > sizeof buf) return UniqueFd();
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::pread(src, buf + got, size - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error(fmt::format("read \"{}\"", what));
        if (n == 0) return UniqueFd();  // shrank: not the group's bytes
        got += static_cast<size_t>(n);
    }
    if (!XXH128_isEqual(XXH3_128bits(buf, size), hash)) return UniqueFd();
    std::string name;
    int dirfd = VS_TRY(g.dirs.parent(f.rel, name));
    int fd = ::openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return errno_error(fmt::format("create staging copy of \"{}\"", what));
    UniqueFd t(fd);
    const off_t block = std::max<uint32_t>(f.stx.stx_blksize, 4096);
    if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, block) < 0) {
        if (errno == EOPNOTSUPP) return UniqueFd();
        return errno_error(fmt::format("allocate staging copy of \"{}\"", what));
    }
    for (size_t w = 0; w < size;) {
        ssize_t k = ::pwrite(fd, buf + w, size - w, static_cast<off_t>(w));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return errno_error(fmt::format("write staging copy of \"{}\"", what));
        w += static_cast<size_t>(k);
    }
    (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    return t;
}

// Whether the group is worth a staging copy, from what the walk saw: not when two members are
// one file in two snapshots of a subvolume (snapshot_copies).
bool may_stage(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
               const std::vector<size_t>& members) {
    const struct statx& first = ref(guests, cands, members[0]).f.stx;
    if (first.stx_size >= kInlineMax || !worth_a_block(members.size(), first.stx_size))
        return false;
    return !snapshot_copies(guests, cands, members);
}

}  // namespace

bool share_inline(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const std::vector<bool>& noted,
                  std::unique_ptr<InlineLater>* later) {
    auto st = std::make_unique<InlineLater>(guests, cands, members, noted);
    auto& m = st->m;
    m.resize(members.size());
    size_t inlined = 0;
    for (size_t i = 0; i < members.size(); ++i) {
        if (noted[i]) continue;
        Ref r = ref(guests, cands, members[i]);
        auto fd = reopen_kept(r, cands[members[i]]);
        if (!fd || !*fd) {
            if (!fd) note(r.g, fd.error());
            continue;
        }
        auto e = extents_of(fd->get(), r.f.stx, r.what);
        if (!e) {
            note(r.g, e.error());
            continue;
        }
        m[i] = {std::move(*fd), std::move(*e), true};
        inlined += m[i].ext.inline_data && !r.g.tree.reference;
    }
    if (inlined == 0) {
        // Nothing inline (XFS never is): share_dedupe's own way, with the opens given back.
        for (size_t i = 0; i < members.size(); ++i)
            if (m[i].ok) cands[members[i]].fd = std::move(m[i].fd);
        return false;
    }
    // The leader: a member whose data is in an extent already, a reference guest's first, else
    // one the cache notes as sharing (an earlier run's), else a staging copy.
    size_t lead = members.size();
    for (size_t i = 0; i < members.size(); ++i)
        if (m[i].regular() &&
            (lead == members.size() || (guests[cands[members[i]].g].tree.reference &&
                                        !guests[cands[members[lead]].g].tree.reference)))
            lead = i;
    UniqueFd& staging = st->staging;
    int& lfd = st->lfd;
    Extents& lext = st->lext;
    uint64_t &ldev = st->ldev, &lino = st->lino;
    if (lead != members.size()) {
        lfd = m[lead].fd.get();
        lext = m[lead].ext;
        const Found& f = ref(guests, cands, members[lead]).f;
        ldev = dev_of(f.stx);
        lino = f.stx.stx_ino;
    } else {
        for (size_t i = 0; i < members.size() && lfd < 0; ++i) {
            if (!noted[i]) continue;
            Ref r = ref(guests, cands, members[i]);
            auto fd = reopen_kept(r, cands[members[i]]);
            if (!fd || !*fd) continue;
            auto e = extents_of(fd->get(), r.f.stx, r.what);
            if (!e || e->inline_data || !e->placed || e->list.empty()) continue;
            m[i] = {std::move(*fd), std::move(*e), true};
            lead = i;
            lfd = m[i].fd.get();
            lext = m[i].ext;
            ldev = dev_of(r.f.stx);
            lino = r.f.stx.stx_ino;
        }
    }
    st->lead = lead;
    const bool worth = st->worth = may_stage(guests, cands, members);
    if (lfd < 0 && inlined >= 2 && worth) {
        for (size_t i = 0; i < members.size() && !staging; ++i) {
            if (!m[i].ok || !m[i].ext.inline_data) continue;
            Ref r = ref(guests, cands, members[i]);
            auto t = staging_copy(r.g, r.f, m[i].fd.get(), cands[members[i]].hash);
            if (!t) {
                note(r.g, t.error());
                break;
            }
            staging = std::move(*t);
        }
        if (staging) lfd = staging.get();
    }
    // The staging copy's writeback is under way: the dedupes onto it wait for it, so they are
    // left to the caller to run after other groups' work (finish_inline).
    if (staging && later) {
        *later = std::move(st);
        return true;
    }
    finish_inline(*st);
    return true;
}

void finish_inline(InlineLater& st) {
    auto& guests = st.guests;
    auto& cands = st.cands;
    const auto& members = st.members;
    const auto& noted = st.noted;
    auto& m = st.m;
    const size_t lead = st.lead;
    const bool worth = st.worth;
    const int lfd = st.lfd;
    const UniqueFd& staging = st.staging;
    const Extents& lext = st.lext;
    const uint64_t ldev = st.ldev, lino = st.lino;
    const uint64_t size = ref(guests, cands, members[0]).f.stx.stx_size;
    // What a member deduplicated onto a staging copy notes in the cache: another such member
    // (the staging copy has no name and goes with its fd).
    std::vector<size_t> onto_staging;
    for (size_t i = 0; i < members.size(); ++i) {
        Ref r = ref(guests, cands, members[i]);
        const Cand& c = cands[members[i]];
        if (noted[i]) {
            if (!r.g.tree.reference) ++r.g.rep.already_shared;
            continue;
        }
        if (!m[i].ok || i == lead || r.g.tree.reference) continue;
        if (lfd < 0 || (m[i].ext.inline_data && !worth)) {
            // Not worth a block, or no way to give the bytes one: left inline, and the cache
            // says so (the next run does not hash it again).
            if (m[i].ext.inline_data) {
                ++r.g.rep.inline_files;
                r.g.cache.put({key_of(r.f.stx), c.hash, kInlineLeader, kInlineLeader});
            }
            continue;
        }
        if (!staging && ((dev_of(r.f.stx) == ldev && r.f.stx.stx_ino == lino) ||
                         same_extents(lext, m[i].ext))) {
            ++r.g.rep.already_shared;
            r.g.cache.put({key_of(r.f.stx), c.hash, ldev, lino});
            continue;
        }
        auto d = dedupe(lfd, m[i].fd.get(), size, r.what);
        if (!d) {
            note(r.g, d.error());
            continue;
        }
        if (!*d) {
            r.g.rep.changed.push_back(r.f.rel);
            continue;
        }
        ++r.g.rep.shared_files;
        r.g.rep.shared_bytes += size;
        if (staging)
            onto_staging.push_back(i);
        else
            r.g.cache.put({key_of(r.f.stx), c.hash, ldev, lino});
    }
    for (size_t k = 0; k < onto_staging.size() && onto_staging.size() > 1; ++k) {
        const size_t i = onto_staging[k], o = onto_staging[k == 0 ? 1 : 0];
        Ref r = ref(guests, cands, members[i]);
        const Found& of = ref(guests, cands, members[o]).f;
        r.g.cache.put({key_of(r.f.stx), cands[members[i]].hash, dev_of(of.stx), of.stx.stx_ino});
    }
}

}  // namespace vs::unify
