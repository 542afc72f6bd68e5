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

// A copy of the member's `size` bytes, with no name, whose data lies in a regular extent:
// written back with the file's size above one block, so that writeback makes an extent and not
// inline data, then truncated back (a truncate never turns an extent into inline data). An
// invalid fd when the bytes are not the group's (the member changed) or the filesystem still
// kept them inline.
Result<UniqueFd> staging_copy(Ref r, int src, XXH128_hash_t hash) {
    std::string name;
    int dirfd = VS_TRY(r.g.dirs.parent(r.f.rel, name));
    int fd = ::openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return errno_error(fmt::format("create staging copy of \"{}\"", r.what));
    UniqueFd t(fd);
    const uint64_t size = r.f.stx.stx_size;
    auto h = VS_TRY(copy_data(src, fd, size, r.what));
    if (!XXH128_isEqual(h, hash)) {
        r.g.rep.changed.push_back(r.f.rel);
        return UniqueFd();
    }
    const off_t above = 2 * static_cast<off_t>(std::max<uint32_t>(r.f.stx.stx_blksize, 4096));
    // Writeback only (sync_file_range), no fdatasync: the copy needs its extent, not a
    // durable log entry (it never gets a name; the dedupes onto it commit with the filesystem).
    constexpr unsigned kWriteback =
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (::ftruncate(fd, above) < 0 || ::sync_file_range(fd, 0, 0, kWriteback) < 0 ||
        ::ftruncate(fd, static_cast<off_t>(size)) < 0)
        return errno_error(fmt::format("write staging copy of \"{}\"", r.what));
    auto e = VS_TRY(extents_of(fd, r.what));
    if (e.inline_data || e.list.empty()) return UniqueFd();
    return t;
}

// Whether two members are one file in two snapshots of a subvolume (`build -m clone` on btrfs):
// the same inode number and times, in different subvolumes. They share their metadata leaf,
// inline data included, until one changes; a dedupe would give each its own (FIEMAP reports no
// sharing of inline data, so the inode and times tell).
bool snapshot_copies(const struct statx& a, const struct statx& b) {
    return a.stx_ino == b.stx_ino && dev_of(a) != dev_of(b) &&
           a.stx_ctime.tv_sec == b.stx_ctime.tv_sec && a.stx_ctime.tv_nsec == b.stx_ctime.tv_nsec &&
           a.stx_mtime.tv_sec == b.stx_mtime.tv_sec && a.stx_mtime.tv_nsec == b.stx_mtime.tv_nsec;
}

}  // namespace

bool share_inline(std::vector<GuestView>& guests, std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const std::vector<bool>& noted) {
    struct Member {
        UniqueFd fd;
        Extents ext;
        bool ok = false;
        bool regular() const { return ok && !ext.inline_data && ext.placed && !ext.list.empty(); }
    };
    std::vector<Member> m(members.size());
    size_t inlined = 0;
    for (size_t i = 0; i < members.size(); ++i) {
        if (noted[i]) continue;
        Ref r = ref(guests, cands, members[i]);
        auto fd = reopen_kept(r, cands[members[i]]);
        if (!fd || !*fd) {
            if (!fd) note(r.g, fd.error());
            continue;
        }
        auto e = extents_of(fd->get(), r.what);
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
    const uint64_t size = ref(guests, cands, members[0]).f.stx.stx_size;
    // The leader: a member whose data is in an extent already, a reference guest's first, else
    // one the cache notes as sharing (an earlier run's), else a staging copy.
    size_t lead = members.size();
    for (size_t i = 0; i < members.size(); ++i)
        if (m[i].regular() &&
            (lead == members.size() || (guests[cands[members[i]].g].tree.reference &&
                                        !guests[cands[members[lead]].g].tree.reference)))
            lead = i;
    UniqueFd staging;
    int lfd = -1;
    Extents lext;
    uint64_t ldev = 0, lino = 0;
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
            auto e = extents_of(fd->get(), r.what);
            if (!e || e->inline_data || !e->placed || e->list.empty()) continue;
            m[i] = {std::move(*fd), std::move(*e), true};
            lead = i;
            lfd = m[i].fd.get();
            lext = m[i].ext;
            ldev = dev_of(r.f.stx);
            lino = r.f.stx.stx_ino;
        }
    }
    bool worth = worth_a_block(members.size(), size);
    for (size_t i = 0; i < members.size() && worth; ++i)
        for (size_t j = i + 1; j < members.size() && worth; ++j)
            if (m[i].ok && m[j].ok && m[i].ext.inline_data && m[j].ext.inline_data &&
                snapshot_copies(ref(guests, cands, members[i]).f.stx,
                                ref(guests, cands, members[j]).f.stx))
                worth = false;
    if (lfd < 0 && inlined >= 2 && worth) {
        for (size_t i = 0; i < members.size() && lfd < 0; ++i) {
            if (!m[i].ok || !m[i].ext.inline_data) continue;
            Ref r = ref(guests, cands, members[i]);
            auto t = staging_copy(r, m[i].fd.get(), cands[members[i]].hash);
            if (!t) {
                note(r.g, t.error());
                break;
            }
            if (!*t) continue;
            staging = std::move(*t);
            lfd = staging.get();
        }
    }
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
    return true;
}

}  // namespace vs::unify
