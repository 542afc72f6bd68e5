// undo(): private copies again. Each shared file of the guest is copied into a new inode beside
// it, which takes the file's name by the same exchange-and-check as sharing.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <map>

#include "fs/resolve.hpp"
#include "unify/file_ops.hpp"
#include "unify/guest_state.hpp"
#include "unify/method.hpp"
#include "unify/progress.hpp"
#include "unify/unify.hpp"

namespace vs::unify {

namespace {

// The private copies of inodes with several names in the guest, by the shared inode: its
// further names take the same copy, so the guest's file keeps its names one file.
using Copies = std::map<InodeId, UniqueFd>;

// One file: Ok(true) when it got its own copy, Ok(false) when it shares nothing. `names`: how
// many names of its inode the walk met in the guest.
Result<bool> unshare(Guest& g, const Found& f, bool dry_run, uint32_t names, Copies& copies) {
    const std::string what = g.tree.root + "/" + f.rel;
    std::string name;
    int dirfd = VS_TRY(g.dirs.parent(f.rel, name));
    auto src = g.dirs.open_regular(dirfd, name, O_RDONLY | O_NOATIME | O_NONBLOCK);
    if (!src) {
        if (src.error().code == ENOENT || src.error().code == EINVAL) return false;
        return std::move(src).error();
    }
    auto st = VS_TRY(fstatx(src->get(), what));
    if (st.stx_ino != f.stx.stx_ino) return false;
    const bool ours = has_shared_mark(src->get());
    const auto id = inode_id(st);
    bool shared = false;
    if (copies.count(id))
        shared = true;  // an earlier name of it has its copy already
    else if (ours)
        shared = true;  // a hashify inode, linked into other guests (or it was)
    else if ((st.stx_nlink == 1 || names == st.stx_nlink) && g.method == Method::Dedupe)
        shared = VS_TRY(has_shared_extents(src->get(), what));
    if (!shared) return false;
    if (dry_run) return true;
    UniqueFd copy;
    if (auto c = copies.find(id); c != copies.end()) {
        copy = UniqueFd(::fcntl(c->second.get(), F_DUPFD_CLOEXEC, 3));
        if (!copy) return errno_error("dup");
    } else {
        Xattrs x = VS_TRY(read_xattrs(src->get(), what));
        int fd = ::openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0);
        if (fd < 0) return errno_error(fmt::format("create private copy of \"{}\"", what));
        copy = UniqueFd(fd);
        VS_TRY(copy_data(src->get(), fd, st.stx_size, what));
        VS_TRY(copy_meta(fd, st, x, what));
    }
    const int fd = copy.get();
    if (ours) {
        // The shared inode is immutable, and neither rename(2) nor unlink(2) may take an
        // immutable inode away from a name: the flag is off for the exchange below and goes
        // back on while other guests still link it.
        VS_TRY(set_immutable(src->get(), false, what));
        st = VS_TRY(fstatx(src->get(), what));
    }
    const std::string tmp = temp_name();
    auto linked = link_fd(fd, dirfd, tmp, what);
    Result<bool> swapped =
        linked ? replace_name(dirfd, tmp, name, st, what) : Result<bool>(std::move(linked).error());
    if (ours) {
        auto now = fstatx(src->get(), what);
        if (now && now->stx_nlink > 0) VS_TRY(set_immutable(src->get(), true, what));
    }
    if (swapped && *swapped && names > 1 && !copies.count(id)) copies.emplace(id, std::move(copy));
    return swapped;
}

}  // namespace

Result<Summary> undo(const GuestTree& tree, const Options& opt) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<Guest> guests(1);
    Guest& g = guests[0];
    g.tree = tree;
    VS_TRY(open_guest(g));
    g.found = VS_TRY(scan_all(g.root.get(), g.tree.root));
    g.rep.files = g.found.size();
    std::map<InodeId, uint32_t> names;
    for (const auto& f : g.found)
        if (f.stx.stx_nlink > 1) ++names[inode_id(f.stx)];
    Copies copies;
    uint64_t bytes = 0;
    for (const auto& f : g.found) bytes += f.stx.stx_size;
    const auto before = opt.dry_run ? std::vector<DfPoint>{} : df(guests);
    {
        Progress p(opt.progress, "unsharing", g.found.size(), bytes);
        for (const auto& f : g.found) {
            auto n = f.stx.stx_nlink > 1 ? names[inode_id(f.stx)] : 1u;
            auto r = unshare(g, f, opt.dry_run, n, copies);
            if (!r)
                g.rep.errors.push_back(r.error().what());
            else if (*r) {
                ++g.rep.shared_files;
                g.rep.shared_bytes += f.stx.stx_size;
            }
            p.add(1, f.stx.stx_size);
        }
    }
    // The cache's sharing notes are void now; the hashes are rebuilt on the next run.
    if (!opt.dry_run && !g.cache_file.empty()) ::unlink(g.cache_file.c_str());
    Summary s;
    s.dry_run = opt.dry_run;
    s.shared_files = g.rep.shared_files;
    s.shared_bytes = g.rep.shared_bytes;
    s.guests.push_back(std::move(g.rep));
    if (!opt.dry_run) s.bytes_saved = df_gain(before, df(guests));
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

}  // namespace vs::unify
