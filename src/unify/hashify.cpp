// hashify(): scan every guest, hash the candidates (or take the cache's hash), group identical
// files and share each group by the guests' method.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <thread>
#include <tuple>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "fs/resolve.hpp"
#include "unify/conffiles.hpp"
#include "unify/file_ops.hpp"
#include "unify/guest_state.hpp"
#include "unify/method.hpp"
#include "unify/progress.hpp"
#include "unify/share.hpp"
#include "unify/share_methods.hpp"
#include "unify/unify.hpp"

namespace vs::unify {

namespace {

// Hashes one found file into `c`; false (with the reason counted) when it is not a candidate.
// Runs in a hashing worker, which owns `g`; `p` is shared.
Result<bool> hash_one(Guest& g, size_t fi, Cand& c, Progress& p, bool dry_run,
                      std::atomic<long>& keep) {
    Found& f = g.found[fi];
    const std::string what = g.tree.root + "/" + f.rel;
    const CachedHash* hit = g.cache.find(key_of(f.stx));
    if (f.stx.stx_nlink > 1 && g.method == Method::Dedupe) {
        // A name the walk did not meet may be outside the guest (a host file linked in): such
        // an inode is never touched. One whose every name is in the guest is deduplicated
        // once, under the first name met (dedupe acts on the inode, which all names see).
        auto n = g.names.find(inode_id(f.stx));
        if (n == g.names.end() || n->second != f.stx.stx_nlink ||
            !g.taken.insert(inode_id(f.stx)).second) {
            ++g.rep.hardlinked;
            return false;
        }
    }
    if (hit && g.method == Method::Dedupe) {
        g.cache.put(*hit);
        if (hit->leader_dev == kInlineLeader && hit->leader_ino == kInlineLeader) {
            ++g.rep.inline_files;
            ++g.rep.cached;
            p.add(1, 0);
            return false;
        }
        c.hash = hit->hash;
        c.leader_dev = hit->leader_dev;
        c.leader_ino = hit->leader_ino;
        ++g.rep.cached;
        p.add(1, 0);
        return true;
    }
    std::string name;
    auto dirfd = g.dirs.parent(f.rel, name);
    auto fd = dirfd ? g.dirs.open_regular(*dirfd, name, O_RDONLY | O_NOATIME | O_NONBLOCK)
                    : Result<UniqueFd>(std::move(dirfd).error());
    if (!fd) {
        if (changed_meanwhile(fd.error().code)) {
            g.rep.changed.push_back(f.rel);
            return false;
        }
        return std::move(fd).error();
    }
    // The walk's statx: any change since (a write, chmod, a new inode at the name) moves the
    // ctime or the inode, which the check after hashing sees.
    struct statx before = f.stx;
    if (g.method == Method::HardLink) {
        bool marked = false;
        c.x = VS_TRY(read_xattrs(fd->get(), what, &marked));
        c.ours = marked && VS_TRY(is_immutable(fd->get(), what));
        if (marked && !c.ours && !dry_run) {
            // A run was killed after exchanging names and before the immutable flag
            // (share_hardlink.cpp seal()): still linked elsewhere, it is sealed after hashing
            // (reseal(), one worker per inode); with its last other name gone it is a private file
            // again and loses the mark.
            if (before.stx_nlink > 1) {
                c.ours = c.reseal = true;
            } else {
                if (::fremovexattr(fd->get(), kSharedMark) < 0 && errno != ENODATA)
                    return errno_error(fmt::format("remove the mark of \"{}\"", what));
                before = VS_TRY(fstatx(fd->get(), what));
                f.stx = before;  // its ctime moved: the sharing step checks against this
            }
        }
        if (f.stx.stx_nlink > 1 && !c.ours) {
            // Several names of one file (a binary's aliases): shared once, under the first name
            // met, when every link is a candidate of this guest; its other names go with it. A
            // link the walk did not meet, or one excluded, leaves the inode alone.
            auto a = g.aliases.find(inode_id(f.stx));
            if (a == g.aliases.end() || a->second.size() != f.stx.stx_nlink) {
                ++g.rep.hardlinked;
                return false;
            }
            if (a->second.front() != fi) return false;
        }
    }
    if (hit) {
        c.hash = hit->hash;
        g.cache.put(*hit);
        ++g.rep.cached;
        p.add(1, 0);
        return true;
    }
    c.hash = VS_TRY(hash_fd(fd->get(), f.stx.stx_size, what, [&](uint64_t n) {
        g.rep.bytes_hashed += n;
        p.add(0, n);
    }));
    p.add(1, 0);
    VS_TRY(fault_point("unify:hashed", what));
    auto after = VS_TRY(fstatx(fd->get(), what));
    if (!unchanged(after, before)) {
        g.rep.changed.push_back(f.rel);
        return false;
    }
    ++g.rep.hashed;
    g.cache.put({key_of(f.stx), c.hash, 0, 0});
    // Extent sharing opens the file again (FIEMAP, the dedupe): the open it was hashed through
    // serves, while the run's bound on kept opens allows.
    if (g.method == Method::Dedupe && !dry_run && keep.fetch_sub(1) > 0) c.fd = std::move(*fd);
    return true;
}

// The same inode, size and mtime: only the ctime may have moved.
bool unchanged_but_ctime(const struct statx& a, const struct statx& b) {
    struct statx c = b;
    c.stx_ctime = a.stx_ctime;
    return unchanged(a, c);
}

// Seals the shared inodes a killed run left without the immutable flag (hash_one) and gives
// every name met of each the statx it has now (the flag moved its ctime).
void reseal(std::vector<Guest>& guests, const std::vector<Cand>& cands) {
    std::map<InodeId, struct statx> done;
    for (const Cand& c : cands) {
        if (!c.reseal) continue;
        Guest& g = guests[c.g];
        const Found& f = g.found[c.f];
        if (done.count(inode_id(f.stx))) continue;
        const std::string what = g.tree.root + "/" + f.rel;
        std::string name;
        auto st = [&]() -> Result<struct statx> {
            int dirfd = VS_TRY(g.dirs.parent(f.rel, name));
            auto fd = VS_TRY(g.dirs.open_regular(dirfd, name, O_RDONLY | O_NOATIME | O_NONBLOCK));
            auto now = VS_TRY(fstatx(fd.get(), what));
            if (!unchanged(now, f.stx) || !has_shared_mark(fd.get()))
                return make_error(EAGAIN, "\"{}\" changed before it was sealed", what);
            VS_TRY(set_immutable(fd.get(), true, what));
            return fstatx(fd.get(), what);
        }
        ();
        if (!st) {
            g.rep.errors.push_back(st.error().what());
            continue;
        }
        ++g.rep.resealed;
        done.emplace(inode_id(f.stx), *st);
    }
    if (done.empty()) return;
    for (auto& g : guests)
        for (auto& f : g.found)
            if (auto it = done.find(inode_id(f.stx));
                it != done.end() && unchanged_but_ctime(f.stx, it->second))
                f.stx = it->second;
}

// How many hashing opens a run keeps for the sharing step: the soft RLIMIT_NOFILE is raised to
// the hard one (its default of 1024 exists for select(2), which nothing here uses), less a
// reserve for the directories, leaders and files the workers open themselves, and at most 65536
// (a few tens of MiB of kernel memory); beyond that files are opened again to be shared, which
// costs five more system calls a file. A hard limit below that is raised too where the run may
// (CAP_SYS_RESOURCE, up to fs.nr_open): a service manager's 20000 or 4096 would otherwise have
// most files of ten guests opened twice.
long kept_opens() {
    constexpr long kMaxKept = 65536, kReserve = 1024;
    struct rlimit rl {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) < 0) return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < static_cast<rlim_t>(kMaxKept + kReserve)) {
        struct rlimit want = {kMaxKept + kReserve, kMaxKept + kReserve};
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &rl);
        (void)::getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > static_cast<rlim_t>(kMaxKept + kReserve))
        return kMaxKept;
    return static_cast<long>(rl.rlim_cur) - kReserve;
}

// How many workers: one per CPU, at most 4 (beyond that the disk, not the CPU, is the limit),
// and never more than there is work for.
unsigned workers(size_t work) {
    unsigned n = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    return static_cast<unsigned>(std::min<size_t>(n, std::max<size_t>(work, 1)));
}

// Runs fn(worker, item) for items 0..n-1 on workers(n) threads, each item once.
template <typename F>
void run_parallel(size_t n, unsigned nworkers, F&& fn) {
    std::atomic<size_t> next{0};
    auto loop = [&](unsigned w) {
        for (size_t i; (i = next.fetch_add(1)) < n;) fn(w, i);
    };
    std::vector<std::thread> threads;
    for (unsigned w = 1; w < nworkers; ++w) threads.emplace_back(loop, w);
    loop(0);
    for (auto& t : threads) t.join();
}

std::string group_key(const Guest& g, const Found& f, const Cand& c) {
    std::string k = fmt::format("{}:{}:{:016x}{:016x}", method_name(g.method), f.stx.stx_size,
                                c.hash.high64, c.hash.low64);
    if (g.method == Method::HardLink) {
        // One inode can only have one owner, mode and set of xattrs: they must match too, and
        // a hard link never leaves its filesystem.
        fmt::format_to(std::back_inserter(k), ":{}:{}:{}:{}:{}", f.stx.stx_mode, f.stx.stx_uid,
                       f.stx.stx_gid, f.stx.stx_dev_major, f.stx.stx_dev_minor);
        for (const auto& [n, v] : c.x) {
            k += '\0';
            k += n;
            k += '\0';
            k += fmt::format("{}:", v.size());
            k += v;
        }
    }
    return k;
}

// Opens one guest, checks its method, reads its rules and cache, and walks its tree.
Status prepare(Guest& g, const Options& opt) {
    VS_TRY(open_guest(g));
    if (g.method == Method::HardLink && !opt.allow_hardlink && !g.tree.reference)
        return make_error(EINVAL,
                          "guest {}: its root \"{}\" is on a filesystem without shared "
                          "extents (not btrfs, not XFS with reflink=1); sharing there needs "
                          "immutable hard links, which the guest's package manager cannot "
                          "replace: pass --hardlink to accept that (docs/unification.md)",
                          g.tree.name, g.tree.root);
    auto ex = VS_TRY(load_excludes(g.tree.config_dir, opt.defaults_dir));
    auto conf = VS_TRY(dpkg_conffiles(g.root.get(), g.tree.root));
    ScanCounts sc;
    ScanRules rules{&ex, &conf, std::max<uint64_t>(opt.min_size, 1), !opt.dry_run};
    g.found = VS_TRY(scan(g.root.get(), g.tree.root, rules, sc));
    if (sc.temps_removed) {
        // A killed run's names went away during the walk: the link counts of the files met
        // before them are stale (a file with several names the kill left half exchanged would
        // look linked from outside the guest). A second walk sees the tree as it is.
        sc = ScanCounts{};
        g.found = VS_TRY(scan(g.root.get(), g.tree.root, rules, sc));
    }
    g.rep.files = sc.files;
    g.rep.excluded = sc.excluded;
    g.rep.conffiles = sc.conffiles;
    g.rep.small = sc.small;
    g.rep.special = sc.special;
    g.rep.candidates = g.found.size();
    g.names = std::move(sc.names);
    if (g.method == Method::HardLink)
        for (size_t i = 0; i < g.found.size(); ++i)
            if (g.found[i].stx.stx_nlink > 1) g.aliases[inode_id(g.found[i].stx)].push_back(i);
    if (!g.cache_file.empty()) g.cache = HashCache::load(g.cache_file);
    return ok();
}

}  // namespace

namespace {

// Per-phase times at debug level (VSERVER_DEBUG=1): where a run's wall time goes.
class PhaseClock {
public:
    void lap(const char* phase) {
        const auto now = std::chrono::steady_clock::now();
        log::debug("hashify: {} {:.3f} s", phase, std::chrono::duration<double>(now - t_).count());
        t_ = now;
    }

private:
    std::chrono::steady_clock::time_point t_ = std::chrono::steady_clock::now();
};

}  // namespace

Result<Summary> hashify(const std::vector<GuestTree>& trees, const Options& opt) {
    const auto t0 = std::chrono::steady_clock::now();
    PhaseClock clock;
    std::vector<Guest> guests(trees.size());
    // Reference guests first: the first member of a group is the one the others share with.
    std::vector<GuestTree> order = trees;
    std::stable_partition(order.begin(), order.end(),
                          [](const GuestTree& t) { return t.reference; });
    // Each guest's walk on its own worker: a rerun over unchanged trees is little but these
    // walks (statx per entry), which a single thread would do one after another.
    std::vector<Status> prepared(order.size(), ok());
    run_parallel(order.size(), workers(order.size()), [&](unsigned, size_t i) {
        guests[i].tree = order[i];
        prepared[i] = prepare(guests[i], opt);
    });
    for (const Status& st : prepared) VS_TRY(st);
    clock.lap("walk");
    const auto before = opt.dry_run ? std::vector<DfPoint>{} : df(guests);
    clock.lap("df before");

    uint64_t total_files = 0, total_bytes = 0;
    for (const auto& g : guests)
        for (const auto& f : g.found) {
            ++total_files;
            total_bytes += f.stx.stx_size;
        }
    // Hashing: one guest per worker at a time (each worker owns the guest it hashes).
    std::vector<std::vector<Cand>> per_guest(guests.size());
    std::atomic<long> keep{kept_opens()};
    {
        Progress p(opt.progress, "hashing", total_files, total_bytes);
        run_parallel(guests.size(), workers(guests.size()), [&](unsigned, size_t gi) {
            Guest& g = guests[gi];
            for (size_t fi = 0; fi < g.found.size(); ++fi) {
                Cand c;
                c.g = gi;
                c.f = fi;
                auto r = hash_one(g, fi, c, p, opt.dry_run, keep);
                if (!r) {
                    g.rep.errors.push_back(r.error().what());
                    continue;
                }
                if (*r) per_guest[gi].push_back(std::move(c));
            }
        });
    }
    clock.lap("hash");
    std::vector<Cand> cands;
    for (auto& v : per_guest)
        for (auto& c : v) cands.push_back(std::move(c));
    per_guest.clear();
    reseal(guests, cands);
    VS_TRY(fault_point("unify:sharing"));
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t ci = 0; ci < cands.size(); ++ci) {
        const Cand& c = cands[ci];
        groups[group_key(guests[c.g], guests[c.g].found[c.f], c)].push_back(ci);
    }
    for (const auto& [_, members] : groups)
        if (members.size() == 1) cands[members[0]].fd.reset();  // nothing to share it with
    // Sharing: groups never have a file in common, so workers take whole groups; each has its
    // own view of the guests (directory fds, counts), merged when all are done.
    std::vector<const std::vector<size_t>*> todo;
    for (const auto& [_, members] : groups)
        if (members.size() > 1) todo.push_back(&members);
    // In the order the walk met their first member: groups of one directory follow each other,
    // so a worker's directory fds serve many groups (trees alike have their copies alike).
    std::sort(todo.begin(), todo.end(), [&](const auto* a, const auto* b) {
        const Cand &x = cands[a->front()], &y = cands[b->front()];
        return std::tie(x.g, x.f) < std::tie(y.g, y.f);
    });
    clock.lap("group");
    {
        Progress p(opt.progress, "sharing", cands.size(), 0);
        const unsigned nw = workers(todo.size());
        std::vector<std::vector<GuestView>> views(nw);
        for (auto& v : views)
            for (const auto& g : guests) v.emplace_back(g);
        // A group of btrfs inline files may be left with its dedupes still to run onto a staging
        // copy whose writeback was just started (share_group): each worker finishes such a group
        // once it has shared kLater more, when that writeback has had time to complete, instead
        // of waiting for it group by group. Each holds its members' opens meanwhile.
        constexpr size_t kLater = 48;
        std::vector<std::deque<std::unique_ptr<InlineLater>>> later(nw);
        run_parallel(todo.size(), nw, [&](unsigned w, size_t i) {
            std::unique_ptr<InlineLater> l;
            share_group(views[w], cands, *todo[i], opt, &l);
            if (l) later[w].push_back(std::move(l));
            if (later[w].size() > kLater) {
                finish_group(*later[w].front());
                later[w].pop_front();
            }
            p.add(todo[i]->size(), 0);
        });
        run_parallel(nw, nw, [&](unsigned, size_t w) {
            for (auto& l : later[w]) finish_group(*l);
            later[w].clear();
        });
        for (const auto& v : views)
            for (size_t gi = 0; gi < guests.size(); ++gi) v[gi].merge_into(guests[gi]);
    }
    clock.lap("share");
    // Each cache is written and synced on a worker: one guest's fsyncs after another's would
    // hold the run while the CPUs idle.
    run_parallel(guests.size(), workers(guests.size()), [&](unsigned, size_t gi) {
        Guest& g = guests[gi];
        if (!g.cache_file.empty())
            if (auto r = g.cache.save(g.cache_file); !r) g.rep.errors.push_back(r.error().what());
    });
    Summary s;
    s.dry_run = opt.dry_run;
    for (auto& g : guests) {
        s.shared_files += g.rep.shared_files;
        s.shared_bytes += g.rep.shared_bytes;
        s.guests.push_back(std::move(g.rep));
    }
    // Nothing shared: nothing to measure (and no syncfs to wait for).
    clock.lap("cache save");
    if (!opt.dry_run && s.shared_files) s.bytes_saved = df_gain(before, df(guests));
    clock.lap("df after");
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

}  // namespace vs::unify
