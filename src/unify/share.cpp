// share_group(): FIDEDUPERANGE against the group's first file, or one immutable inode that every
// member's name is swapped to.
#include "unify/share.hpp"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "fs/resolve.hpp"
#include "unify/method.hpp"

namespace vs::unify {

namespace {

// While a new shared inode is being filled (an O_TMPFILE, no name yet) it belongs to this id,
// which no guest's idmapped root maps (guest ids are 0..65535), with mode 0: nothing but this
// process can open it. It takes its real owner and mode before it gets a name.
constexpr uid_t kStagingId = 0xfffffffeu;

uint64_t dev_of(const struct statx& s) { return makedev(s.stx_dev_major, s.stx_dev_minor); }

struct Ref {
    const Found& f;
    GuestView& g;
    std::string what;
};

Ref ref(std::vector<GuestView>& guests, const std::vector<Cand>& cands, size_t ci) {
    GuestView& g = guests[cands[ci].g];
    const Found& f = g.found[cands[ci].f];
    return {f, g, g.tree.root + "/" + f.rel};
}

// Opens a candidate again, checking it is the very file that was hashed, unchanged. A changed
// file is reported (g.rep.changed) and yields an invalid fd.
Result<UniqueFd> reopen(Ref r, int flags, UniqueFd* dir_out = nullptr,
                        std::string* name_out = nullptr) {
    std::string name;
    int dirfd = VS_TRY(r.g.dirs.parent(r.f.rel, name));
    auto fd = fs::open_regular(dirfd, name, flags | O_NOATIME | O_NONBLOCK);
    if (!fd) {
        int e = fd.error().code;
        if (e == ENOENT || e == ELOOP || e == EINVAL || e == EXDEV) {
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
        int d = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (d < 0) return errno_error("dup");
        *dir_out = UniqueFd(d);
        *name_out = name;
    }
    return std::move(*fd);
}

void note(GuestView& g, const Error& e) { g.rep.errors.push_back(e.what()); }

void share_dedupe(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
                  const std::vector<size_t>& members, const Options& opt) {
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
        auto e = extents_of(fd, r.what);
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
    // member's extents (FIEMAP, no data read), unless the cache says all but one are done.
    struct Seen {
        Extents ext;
        UniqueFd fd;
        bool ok = false;
    };
    std::vector<Seen> seen(members.size());
    std::map<std::vector<Extents::One>, size_t> places;
    size_t fresh = 0;
    for (size_t ci : members) fresh += cands[ci].leader_dev == 0;
    if (!opt.dry_run && fresh > 1)
        for (size_t i = 0; i < members.size(); ++i) {
            if (cands[members[i]].leader_dev != 0) continue;
            Ref r = ref(guests, cands, members[i]);
            auto fd = reopen(r, O_RDONLY);
            if (!fd || !*fd) continue;  // reported again below, when it is reopened
            seen[i].ext = extents(fd->get(), r);
            seen[i].ok = true;
            if (seen[i].ext.placed && !seen[i].ext.inline_data && !seen[i].ext.list.empty())
                ++places[seen[i].ext.list];
            // Kept open for the second pass, within a bound on open files per worker.
            if (members.size() <= 64) seen[i].fd = std::move(*fd);
        }
    std::vector<Leader> leaders;
    for (size_t mi = 0; mi < members.size(); ++mi) {
        const size_t ci = members[mi];
        const Cand& c = cands[ci];
        Ref r = ref(guests, cands, ci);
        const uint64_t dev = dev_of(r.f.stx), ino = r.f.stx.stx_ino, size = r.f.stx.stx_size;
        bool done = false;
        for (auto& l : leaders)
            done = done || (l.dev == dev && l.ino == ino) ||
                   (c.leader_dev == l.dev && c.leader_ino == l.ino);
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
            seen[mi].fd ? Result<UniqueFd>(std::move(seen[mi].fd)) : reopen(r, O_RDONLY);
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
            ext.placed && pl != places.end() && pl->second > 1 && !leaders.empty()) {
            ++r.g.rep.already_shared;
            r.g.cache.put({key_of(r.f.stx), c.hash, leaders[0].dev, leaders[0].ino});
            continue;
        }
        bool placed = false;
        for (auto& l : leaders) {
            if (l.failed) continue;
            if (!l.fd) {
                Ref lr = ref(guests, cands, l.ci);
                auto lfd = reopen(lr, O_RDONLY);
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

struct Linked {
    size_t ci;
    UniqueFd dir;
    std::string name, tmp;
    struct statx stx;
};

// Makes `t`, which carries its real metadata and the mark already, the group's shared inode for
// good: the immutable flag, then a check that nothing changed it while it was being linked.
Status seal(int t, const Ref& model, const Xattrs& x, XXH128_hash_t hash, bool fresh) {
    // Every name is exchanged, the flag not set yet: a kill here leaves the files shared with
    // their metadata, and the next run sets the flag (hash_one).
    VS_TRY(fault_point("unify:swapped"));
    VS_TRY(set_immutable(t, true, model.what));
    VS_TRY(fault_point("unify:seal"));
    if (fresh) {
        // Since it got a name a guest could have opened it, and a writable mapping made then
        // would outlive the flag. A write lease is granted only while no other open file
        // refers to the inode (fcntl(2), F_SETLEASE); the flag now refuses new writers.
        if (::fcntl(t, F_SETLEASE, F_WRLCK) < 0) {
            if (errno == EAGAIN || errno == EBUSY)
                return make_error(EBUSY,
                                  "shared copy of \"{}\" was opened by another process "
                                  "while being linked",
                                  model.what);
            return errno_error(fmt::format("lease the shared copy of \"{}\"", model.what));
        }
        ::fcntl(t, F_SETLEASE, F_UNLCK);
    }
    auto st = VS_TRY(fstatx(t, model.what));
    auto xs = VS_TRY(read_xattrs(t, model.what));
    auto h = VS_TRY(hash_fd(t, st.stx_size, model.what, [](uint64_t) {}));
    if (st.stx_mode != model.f.stx.stx_mode || st.stx_uid != model.f.stx.stx_uid ||
        st.stx_gid != model.f.stx.stx_gid || xs != x || st.stx_size != model.f.stx.stx_size ||
        !XXH128_isEqual(h, hash))
        return make_error(EAGAIN, "shared copy of \"{}\" was changed while being linked",
                          model.what);
    return ok();
}

void share_hardlink(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
                    const std::vector<size_t>& members, const Options& opt) {
    // The shared inode: a reference guest's file, else one this tool shares already (the most
    // linked), else a fresh copy.
    size_t target = members.size();
    for (size_t i = 0; i < members.size(); ++i) {
        const Cand& c = cands[members[i]];
        if (guests[c.g].tree.reference) {
            target = i;
            break;
        }
        if (c.ours &&
            (target == members.size() || ref(guests, cands, members[i]).f.stx.stx_nlink >
                                             ref(guests, cands, members[target]).f.stx.stx_nlink))
            target = i;
    }
    const bool fresh = target == members.size();
    const uint64_t t_ino = fresh ? 0 : ref(guests, cands, members[target]).f.stx.stx_ino;
    std::vector<size_t> todo;
    for (size_t i = 0; i < members.size(); ++i) {
        Ref r = ref(guests, cands, members[i]);
        if (!fresh && r.f.stx.stx_ino == t_ino) {
            if (i != target) ++r.g.rep.already_shared;
            continue;
        }
        if (r.g.tree.reference) continue;  // a second reference copy stays as it is
        todo.push_back(members[i]);
    }
    if (todo.empty() || (fresh && todo.size() < 2)) return;
    if (opt.dry_run) {
        for (size_t ci : todo) {
            Ref r = ref(guests, cands, ci);
            ++r.g.rep.shared_files;
            r.g.rep.shared_bytes += r.f.stx.stx_size;
        }
        return;
    }
    const size_t model_ci = fresh ? todo[0] : members[target];
    Ref model = ref(guests, cands, model_ci);
    const Cand& mc = cands[model_ci];
    UniqueFd t;
    {
        UniqueFd mdir;
        std::string mname;
        auto src = reopen(model, O_RDONLY, &mdir, &mname);
        if (!src || !*src) {
            if (!src) note(model.g, src.error());
            return;
        }
        if (fresh) {
            int fd = ::openat(mdir.get(), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0);
            if (fd < 0) {
                note(model.g, errno_error(fmt::format("create shared copy of \"{}\"", model.what)));
                return;
            }
            t = UniqueFd(fd);
            if (::fchown(fd, kStagingId, kStagingId) < 0) {
                note(model.g, errno_error(fmt::format("chown copy of \"{}\"", model.what)));
                return;
            }
            auto h = copy_data(src->get(), fd, model.f.stx.stx_size, model.what);
            if (!h || !XXH128_isEqual(*h, mc.hash)) {
                if (!h)
                    note(model.g, h.error());
                else
                    model.g.rep.changed.push_back(model.f.rel);
                return;
            }
        } else {
            t = std::move(*src);
        }
    }
    std::vector<Linked> linked;
    for (size_t ci : todo) {
        Ref r = ref(guests, cands, ci);
        Linked l;
        l.ci = ci;
        auto fd = reopen(r, O_RDONLY, &l.dir, &l.name);
        if (!fd || !*fd) {
            if (!fd) note(r.g, fd.error());
            continue;
        }
        // The hash grouped them; the bytes decide (a collision never merges two files).
        auto same = same_bytes(t.get(), fd->get(), r.f.stx.stx_size, r.what);
        if (!same || !*same) {
            if (!same)
                note(r.g, same.error());
            else
                r.g.rep.changed.push_back(r.f.rel);
            continue;
        }
        l.stx = r.f.stx;
        linked.push_back(std::move(l));
    }
    if (linked.empty() && !fresh) return;
    if (fresh) {
        // The real owner, mode, xattrs, times and the mark go on before any name is exchanged:
        // a run killed between the exchanges and the immutable flag leaves each name with the
        // file's own metadata (and the mark, by which the next run finds it and seals it).
        auto m = copy_meta(t.get(), model.f.stx, mc.x, model.what);
        if (m && ::fsetxattr(t.get(), kSharedMark, "1", 1, 0) < 0)
            m = errno_error(fmt::format("mark shared \"{}\"", model.what));
        if (!m) {
            note(model.g, m.error());
            return;
        }
    }
    // linkat(2) refuses an immutable inode (EPERM): the flag of an inode other guests share
    // already comes off only now, after the comparisons, and goes back on in seal().
    bool was_immutable = false;
    if (!fresh) {
        auto im = is_immutable(t.get(), model.what);
        auto r = im ? set_immutable(t.get(), false, model.what) : Status(im.error());
        if (!r) {
            note(model.g, r.error());
            return;
        }
        was_immutable = *im;
    }
    std::erase_if(linked, [&](Linked& l) {
        Ref r = ref(guests, cands, l.ci);
        l.tmp = temp_name();
        auto lk = link_fd(t.get(), l.dir.get(), l.tmp, r.what);
        if (!lk) note(r.g, lk.error());
        return !lk;
    });
    // Each name takes the shared inode while its old inode waits at the temporary name: until
    // the shared inode is sealed (owner, mode, immutable), a failure puts every old file back.
    std::vector<const Linked*> swapped;
    for (const auto& l : linked) {
        Ref r = ref(guests, cands, l.ci);
        auto in = swap_in(l.dir.get(), l.tmp, l.name, l.stx, r.what);
        if (!in)
            note(r.g, in.error());
        else if (!*in)
            r.g.rep.changed.push_back(r.f.rel);
        else
            swapped.push_back(&l);
    }
    if (swapped.empty() && fresh) return;  // the unlinked O_TMPFILE inode goes with its fd
    if (auto s = seal(t.get(), model, mc.x, mc.hash, fresh); !s) {
        log::error("{}", s.error().what());
        note(model.g, s.error());
        // rename(2) refuses an immutable inode: the flag comes off for the way back, and an
        // inode that had it before gets it again.
        (void)set_immutable(t.get(), false, model.what);
        for (const Linked* l : swapped) {
            Ref r = ref(guests, cands, l->ci);
            if (auto b = swap_back(l->dir.get(), l->tmp, l->name, r.what); !b) note(r.g, b.error());
        }
        if (was_immutable) (void)set_immutable(t.get(), true, model.what);
        return;
    }
    for (const Linked* l : swapped) {
        Ref r = ref(guests, cands, l->ci);
        if (auto f = finish_swap(l->dir.get(), l->tmp, r.what); !f) note(r.g, f.error());
        ++r.g.rep.shared_files;
        r.g.rep.shared_bytes += r.f.stx.stx_size;
    }
    if (auto now = fstatx(t.get(), model.what))
        for (size_t ci : members) guests[cands[ci].g].cache.put({key_of(*now), mc.hash, 0, 0});
}

}  // namespace

void GuestView::merge_into(Guest& g) const {
    g.rep.shared_files += rep.shared_files;
    g.rep.shared_bytes += rep.shared_bytes;
    g.rep.already_shared += rep.already_shared;
    g.rep.inline_files += rep.inline_files;
    g.rep.changed.insert(g.rep.changed.end(), rep.changed.begin(), rep.changed.end());
    g.rep.errors.insert(g.rep.errors.end(), rep.errors.begin(), rep.errors.end());
    for (const auto& h : cache.v) g.cache.put(h);
}

void share_group(std::vector<GuestView>& guests, const std::vector<Cand>& cands,
                 const std::vector<size_t>& members, const Options& opt) {
    if (guests[cands[members[0]].g].method == Method::Dedupe)
        share_dedupe(guests, cands, members, opt);
    else
        share_hardlink(guests, cands, members, opt);
}

}  // namespace vs::unify
