// share_hardlink(): one immutable inode, a member's or a fresh copy, that every member's name is
// swapped to, sealed only once nothing changed it, and every old file put back on a failure.
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "unify/share_methods.hpp"

namespace vs::unify {

namespace {

// While a new shared inode is being filled (an O_TMPFILE, no name yet) it belongs to this id,
// which no guest's idmapped root maps (guest ids are 0..65535), with mode 0: nothing but this
// process can open it. It takes its real owner and mode before it gets a name.
constexpr uid_t kStagingId = 0xfffffffeu;

// One name of a member's inode, its directory open, the shared inode linked beside it at tmp.
struct Name {
    const Found* f;
    std::string what;
    UniqueFd dir;
    std::string name, tmp;
    bool swapped = false;
};

// A member: its inode's names (the candidate's first), all of which take the shared inode or
// none, so that a file with several names in a guest keeps them one file.
struct Linked {
    size_t ci;
    std::vector<Name> names;
    bool complete = false;
};

// Makes `t`, which carries its real metadata and the mark already, the group's shared inode for
// good: the immutable flag, then a check that nothing changed it while it was being linked.
Status seal(int t, const Ref& model, const Xattrs& x, XXH128_hash_t hash, bool fresh) {
    // Every name is exchanged, the flag not set yet: a kill here leaves the files shared with
    // their metadata, and the next run sets the flag (hash_one).
    VS_TRY(fault_point("unify:swapped", model.what));
    VS_TRY(set_immutable(t, true, model.what));
    VS_TRY(fault_point("unify:seal", model.what));
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

// The other names of a member's inode (all in its guest: hash_one), each reopened checked and
// its directory kept, after the member's own name in `l`. False when one changed or failed.
bool alias_names(Ref r, size_t fi, Linked& l) {
    auto a = r.g.aliases.find(inode_id(r.f.stx));
    if (a == r.g.aliases.end()) return false;
    for (size_t i : a->second) {
        if (i == fi) continue;
        const Found& f = r.g.found[i];
        Ref ar{f, r.g, r.g.tree.root + "/" + f.rel};
        Name n{&f, ar.what};
        auto fd = reopen(ar, O_RDONLY, &n.dir, &n.name);
        if (!fd || !*fd) {
            if (!fd) note(r.g, fd.error());
            return false;
        }
        l.names.push_back(std::move(n));
    }
    return true;
}

// Removes the shared inode's temporary names beside a member's names not exchanged.
void drop_tmps(Linked& l) {
    for (auto& n : l.names)
        if (!n.tmp.empty() && !n.swapped) ::unlinkat(n.dir.get(), n.tmp.c_str(), 0);
}

// Gives each exchanged name of a member its old inode back.
void put_back(GuestView& g, Linked& l) {
    for (auto& n : l.names) {
        if (!n.swapped) continue;
        if (auto b = swap_back(n.dir.get(), n.tmp, n.name, n.what); !b) note(g, b.error());
        n.swapped = false;
    }
    l.complete = false;
}

}  // namespace

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
        Linked l{ci, {}};
        Name first{&r.f, r.what};
        auto fd = reopen(r, O_RDONLY, &first.dir, &first.name);
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
        l.names.push_back(std::move(first));
        if (!cands[ci].ours && r.f.stx.stx_nlink > 1 && !alias_names(r, cands[ci].f, l)) continue;
        linked.push_back(std::move(l));
    }
    // A fresh inode shares only once two members take it; else each file keeps its own.
    if (linked.size() < (fresh ? 2u : 1u)) return;
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
        GuestView& g = guests[cands[l.ci].g];
        for (auto& n : l.names) {
            n.tmp = temp_name();
            if (auto lk = link_fd(t.get(), n.dir.get(), n.tmp, n.what); !lk) {
                note(g, lk.error());
                n.tmp.clear();
                drop_tmps(l);
                return true;
            }
        }
        return false;
    });
    // Each name takes the shared inode while its old inode waits at the temporary name: until
    // the shared inode is sealed (owner, mode, immutable), a failure puts every old file back.
    // A member's names go one after another; a kill between them leaves each name the old inode
    // or the shared one, the same bytes either way, and the next run exchanges the rest.
    size_t complete = 0;
    for (auto& l : linked) {
        GuestView& g = guests[cands[l.ci].g];
        // The first exchange moved the old inode's ctime: the next names are checked against
        // what it is since (swap_in's statx of it at the temporary name).
        struct statx expect = l.names[0].f->stx;
        bool all = true;
        for (auto& n : l.names) {
            if (!all) {
                ::unlinkat(n.dir.get(), n.tmp.c_str(), 0);
                continue;
            }
            struct statx old {};
            auto in = swap_in(n.dir.get(), n.tmp, n.name, expect, n.what, &old);
            if (in && *in) {
                n.swapped = true;
                expect = old;
                continue;
            }
            if (!in)
                note(g, in.error());
            else
                g.rep.changed.push_back(n.f->rel);
            all = false;
        }
        if (all) {
            l.complete = true;
            ++complete;
        } else {
            put_back(g, l);
        }
    }
    auto put_back_all = [&] {
        for (auto& l : linked)
            if (l.complete) put_back(guests[cands[l.ci].g], l);
    };
    if (fresh && complete < 2) {
        // The others changed meanwhile: an immutable inode with one name would share nothing
        // and only lock that guest's file. The O_TMPFILE inode goes with its fd.
        put_back_all();
        return;
    }
    if (auto s = seal(t.get(), model, mc.x, mc.hash, fresh); !s) {
        log::error("{}", s.error().what());
        note(model.g, s.error());
        // rename(2) refuses an immutable inode: the flag comes off for the way back, and an
        // inode that had it before gets it again.
        (void)set_immutable(t.get(), false, model.what);
        put_back_all();
        if (was_immutable) (void)set_immutable(t.get(), true, model.what);
        return;
    }
    for (const auto& l : linked) {
        if (!l.complete) continue;
        Ref r = ref(guests, cands, l.ci);
        for (const auto& n : l.names)
            if (auto f = finish_swap(n.dir.get(), n.tmp, n.what); !f) note(r.g, f.error());
        ++r.g.rep.shared_files;
        r.g.rep.shared_bytes += r.f.stx.stx_size;
    }
    if (auto now = fstatx(t.get(), model.what))
        for (size_t ci : members) guests[cands[ci].g].cache.put({key_of(*now), mc.hash, 0, 0});
}

}  // namespace vs::unify
