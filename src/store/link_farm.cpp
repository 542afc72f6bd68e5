// build_link_farm() and the refresh undo record: written before rsync runs, applied on failure.
#include "store/link_farm.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <unordered_set>
#include <vector>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_signal.hpp"
#include "base/unique_fd.hpp"
#include "fs/resolve.hpp"
#include "fs/walk.hpp"
#include "fs/xattrs.hpp"

namespace vs::store {

namespace {

// The record: kMagic, the root's st_dev and st_ino and its path, then per linked inode 'R', its
// file handle (name_to_handle_at(2): the inode itself, whatever its path or its names' length),
// owner, mode and xattrs; 'E' last. A record without 'E' was cut short while the farm was
// built, before rsync ran: nothing changed, nothing to undo.
constexpr char kMagic[8] = {'V', 'S', 'U', 'N', 'D', 'O', '1', '\n'};
constexpr size_t kFlushAt = 1 << 20;

void put_u32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
void put_u64(std::string& b, uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); }
void put_bytes(std::string& b, std::string_view s) {
    put_u32(b, uint32_t(s.size()));
    b.append(s);
}

using Xattrs = std::map<std::string, std::string>;

// A struct file_handle with room for the largest handle (its f_handle is a flexible array).
struct Handle {
    alignas(struct file_handle) unsigned char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ]{};
    struct file_handle* get() {
        return reinterpret_cast<struct file_handle*>(raw);
    }
};

// A file that cannot get another name (immutable or append-only: EPERM; EMLINK) is copied:
// its data extents only (SEEK_DATA, so a sparse file stays sparse), then owner, mode and mtime,
// so that rsync's quick check finds it up to date and sets its xattrs if they differ.
Status copy_file(int from, const struct stat& st, int dirfd, const std::string& name,
                 const std::string& what) {
    UniqueFd out(
        ::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return errno_error(fmt::format("create the copy of \"{}\"", what));
    off_t pos = 0;
    for (;;) {
        off_t data = ::lseek(from, pos, SEEK_DATA);
        if (data < 0 && errno == ENXIO) break;
        if (data < 0) return errno_error(fmt::format("lseek \"{}\"", what));
        off_t hole = ::lseek(from, data, SEEK_HOLE);
        if (hole < 0) return errno_error(fmt::format("lseek \"{}\"", what));
        loff_t in_off = data, out_off = data;
        while (in_off < hole) {
            ssize_t n =
                ::copy_file_range(from, &in_off, out.get(), &out_off, size_t(hole - in_off), 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno_error(fmt::format("copy \"{}\"", what));
            if (n == 0) return make_error(EIO, "copy \"{}\": it shrank while copied", what);
        }
        pos = hole;
    }
    if (::ftruncate(out.get(), st.st_size) < 0 || ::fchown(out.get(), st.st_uid, st.st_gid) < 0 ||
        ::fchmod(out.get(), st.st_mode & 07777) < 0)
        return errno_error(fmt::format("the copy of \"{}\"", what));
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(out.get(), times) < 0)
        return errno_error(fmt::format("set the times of the copy of \"{}\"", what));
    return ok();
}

class Farm : public fs::Visitor {
public:
    Farm(UniqueFd top, int undo_fd, const std::string& root) : undo_fd_(undo_fd), root_(root) {
        dirs_.push_back(std::move(top));
    }

    Result<fs::Action> visit(const fs::Entry& e) override {
        dirs_.resize(std::min(dirs_.size(), e.depth));
        if (dirs_.size() != e.depth)
            return make_error(EIO, "link farm of \"{}\": lost the directory of \"{}\"", root_,
                              e.path);
        const int parent = dirs_.back().get();
        if (e.is_dir()) {
            if (::mkdirat(parent, e.name.c_str(), 0700) < 0)
                return errno_error(fmt::format("mkdir \"{}\" in the stage", e.path));
            UniqueFd d(
                ::openat(parent, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!d) return errno_error(fmt::format("open \"{}\" in the stage", e.path));
            dirs_.push_back(std::move(d));
            ++stats.dirs;
            return fs::Action::Descend;
        }
        if (e.is_regular()) VS_TRY(link(e, parent));
        return fs::Action::Descend;
    }
    Status leave(const fs::Entry& e, int) override {
        dirs_.resize(std::min(dirs_.size(), e.depth));
        return ok();
    }
    // rsync -x makes a mount point an empty directory; the farm leaves it to rsync.
    Status mount_point(const fs::Entry&) override { return ok(); }

    Status finish() {
        buf_.push_back('E');
        VS_TRY(flush());
        if (::fsync(undo_fd_) < 0) return errno_error("fsync the refresh's undo record");
        return ok();
    }

    FarmStats stats;

private:
    Status link(const fs::Entry& e, int parent) {
        // fs::open_regular: should the entry have been swapped for a FIFO or a device since
        // its statx, nothing is opened (no driver's open runs); the regular file it is gets
        // opened for reading through its O_PATH fd (its xattrs, a copy).
        auto f = fs::open_regular(e.dirfd, e.name);
        if (!f && f.error().code != EINVAL && f.error().code != ELOOP)
            return std::move(std::move(f).wrap("\"{}/{}\"", root_, e.path)).error();
        struct stat st {};
        if (f && ::fstat(f->get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", e.path));
        if (!f || st.st_ino != e.stx.stx_ino)
            return make_error(EAGAIN, "\"{}/{}\" changed during the refresh", root_, e.path);
        // The open fd is linked, not the name: the inode recorded is the inode linked.
        int r = ::linkat(f->get(), "", parent, e.name.c_str(), AT_EMPTY_PATH);
        if (r < 0 && errno == ENOENT)  // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH: by name
            r = ::linkat(e.dirfd, e.name.c_str(), parent, e.name.c_str(), 0);
        if (r < 0) {
            if (errno != EPERM && errno != EMLINK)
                return errno_error(fmt::format("link \"{}\" into the stage", e.path));
            VS_TRY(copy_file(f->get(), st, parent, e.name, root_ + "/" + e.path));
            ++stats.copied;
            return ok();
        }
        ++stats.linked;
        if (st.st_nlink > 1 && !seen_.insert(st.st_ino).second) return ok();
        Handle h;
        struct file_handle* fh = h.get();
        fh->handle_bytes = MAX_HANDLE_SZ;
        int mount_id = 0;
        if (::name_to_handle_at(f->get(), "", fh, &mount_id, AT_EMPTY_PATH) < 0)
            return errno_error(fmt::format("name_to_handle_at \"{}/{}\"", root_, e.path));
        auto xattrs = VS_TRY(fs::read_xattrs(f->get(), root_ + "/" + e.path));
        buf_.push_back('R');
        put_u32(buf_, fh->handle_bytes);
        put_u32(buf_, uint32_t(fh->handle_type));
        buf_.append(reinterpret_cast<const char*>(fh->f_handle), fh->handle_bytes);
        put_u32(buf_, st.st_mode);
        put_u32(buf_, st.st_uid);
        put_u32(buf_, st.st_gid);
        put_u32(buf_, uint32_t(xattrs.size()));
        for (auto& [k, v] : xattrs) {
            put_bytes(buf_, k);
            put_bytes(buf_, v);
        }
        if (buf_.size() >= kFlushAt) VS_TRY(flush());
        return ok();
    }
    Status flush() {
        VS_TRY(sys::write_all(undo_fd_, buf_, "the refresh's undo record"));
        buf_.clear();
        return ok();
    }

    std::vector<UniqueFd> dirs_;  ///< the stage's directory for each depth of the walk
    std::unordered_set<ino_t> seen_;
    int undo_fd_;
    const std::string& root_;
    std::string buf_;
};

Status fsync_dir(const std::string& dir) {
    auto d = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (::fsync(d.get()) < 0) return errno_error(fmt::format("fsync \"{}\"", dir));
    return ok();
}

class Reader {
public:
    explicit Reader(std::string_view d) : d_(d) {}
    bool u32(uint32_t& v) { return raw(&v, 4); }
    bool u64(uint64_t& v) { return raw(&v, 8); }
    bool bytes(std::string& s) {
        uint32_t n = 0;
        if (!u32(n) || d_.size() < n) return false;
        s.assign(d_.substr(0, n));
        d_.remove_prefix(n);
        return true;
    }
    bool raw(void* p, size_t n) {
        if (d_.size() < n) return false;
        std::memcpy(p, d_.data(), n);
        d_.remove_prefix(n);
        return true;
    }
    bool empty() const { return d_.empty(); }

private:
    std::string_view d_;
};

struct Saved {
    uint32_t mode = 0, uid = 0, gid = 0;
    Xattrs xattrs;
};

// The inode's owner, xattrs, then mode: chown(2) clears set-id bits and file capabilities,
// and an ACL's mask is the mode's group bits (acl(5)), so the mode goes last.
Result<bool> restore(int fd, const Saved& s, const std::string& what) {
    struct stat st {};
    if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat {}", what));
    bool changed = false;
    if (st.st_uid != s.uid || st.st_gid != s.gid) {
        if (::fchown(fd, s.uid, s.gid) < 0) return errno_error(fmt::format("chown {}", what));
        changed = true;
    }
    auto listed = VS_TRY(fs::read_xattrs(fd, what));
    const Xattrs now(listed.begin(), listed.end());
    for (auto& [k, v] : now)
        if (!s.xattrs.count(k)) {
            if (::fremovexattr(fd, k.c_str()) < 0 && errno != ENODATA)
                return errno_error(fmt::format("removexattr {} {}", k, what));
            changed = true;
        }
    for (auto& [k, v] : s.xattrs) {
        auto it = now.find(k);
        if (it != now.end() && it->second == v) continue;
        if (::fsetxattr(fd, k.c_str(), v.data(), v.size(), 0) < 0)
            return errno_error(fmt::format("setxattr {} {}", k, what));
        changed = true;
    }
    if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat {}", what));
    if ((st.st_mode & 07777) != (s.mode & 07777)) {
        if (::fchmod(fd, s.mode & 07777) < 0) return errno_error(fmt::format("chmod {}", what));
        changed = true;
    }
    return changed;
}

}  // namespace

std::string refresh_undo_path(const std::string& dir, const std::string& guest, pid_t pid) {
    return fmt::format("{}/.undo-{}-{}", dir, guest, pid);
}

bool is_dead_refresh_undo(const std::string& name, const std::string& guest) {
    std::string prefix = ".undo-" + guest + "-";
    return str::starts_with(name, prefix) &&
           sys::pid_gone(std::string_view(name).substr(prefix.size()));
}

Result<FarmStats> build_link_farm(const std::string& root, const std::string& stage,
                                  const std::string& undo) {
    auto top = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    auto out = VS_TRY(sys::open(stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat rst {
    }, sst{};
    if (::fstat(top.get(), &rst) < 0 || ::fstat(out.get(), &sst) < 0)
        return errno_error(fmt::format("stat \"{}\"", root));
    if (rst.st_dev != sst.st_dev)
        return make_error(EXDEV, "link farm: \"{}\" and \"{}\" are on different file systems", root,
                          stage);
    UniqueFd u(::open(undo.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!u) return errno_error(fmt::format("create \"{}\"", undo));
    std::string head(kMagic, sizeof kMagic);
    put_u64(head, rst.st_dev);
    put_u64(head, rst.st_ino);
    put_bytes(head, root);
    VS_TRY(sys::write_all(u.get(), head, undo));
    Farm farm(std::move(out), u.get(), root);
    VS_TRY(fs::walk(top.get(), root, farm).wrap("link farm of \"{}\"", root));
    VS_TRY(farm.finish().wrap("\"{}\"", undo));
    VS_TRY(fsync_dir(str::parent_dir(undo)));
    return farm.stats;
}

Status apply_refresh_undo(const std::string& undo) {
    auto data = sys::read_file(undo);
    if (!data) {
        if (data.error().code == ENOENT) return ok();
        return data.error();
    }
    Reader rd(*data);
    char magic[sizeof kMagic];
    uint64_t dev = 0, ino = 0;
    std::string root;
    if (!rd.raw(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0 ||
        !rd.u64(dev) || !rd.u64(ino) || !rd.bytes(root))
        return drop_refresh_undo(undo);  // cut short while its header was written: no farm yet
    // Parsed whole first: a record cut short (no 'E' at its end) was being written when its
    // process died, before rsync ran: nothing changed, nothing to undo.
    struct Entry {
        Handle h;
        Saved s;
    };
    std::vector<Entry> entries;
    char type = 0;
    while (rd.raw(&type, 1) && type == 'R') {
        Entry& e = entries.emplace_back();
        uint32_t hb = 0, ht = 0, nx = 0;
        if (!rd.u32(hb) || hb > MAX_HANDLE_SZ || !rd.u32(ht) || !rd.raw(e.h.get()->f_handle, hb) ||
            !rd.u32(e.s.mode) || !rd.u32(e.s.uid) || !rd.u32(e.s.gid) || !rd.u32(nx))
            return drop_refresh_undo(undo);
        e.h.get()->handle_bytes = hb;
        e.h.get()->handle_type = int(ht);
        for (uint32_t i = 0; i < nx; ++i) {
            std::string k, v;
            if (!rd.bytes(k) || !rd.bytes(v)) return drop_refresh_undo(undo);
            e.s.xattrs.emplace(std::move(k), std::move(v));
        }
    }
    if (type != 'E' || !rd.empty()) return drop_refresh_undo(undo);
    UniqueFd top(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!top && errno != ENOENT) return errno_error(fmt::format("open \"{}\"", root));
    struct stat st {};
    if (!top || ::fstat(top.get(), &st) < 0 || st.st_dev != dev || st.st_ino != ino)
        return drop_refresh_undo(undo);  // the refresh committed (or the guest is gone)
    uint64_t restored = 0;
    for (auto& e : entries) {
        // The handle names the inode the farm linked (its generation too: a freed and reused
        // inode number gives ESTALE). Opened O_NONBLOCK | O_NOCTTY and checked to be a regular
        // file before anything is changed.
        UniqueFd f(::open_by_handle_at(top.get(), e.h.get(),
                                       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
        if (!f) {
            if (errno == ESTALE || errno == ENOENT) continue;  // gone from the old root too
            return errno_error(fmt::format("open_by_handle_at in \"{}\"", root));
        }
        struct stat fst {};
        if (::fstat(f.get(), &fst) < 0 || !S_ISREG(fst.st_mode)) continue;
        const std::string what = fmt::format("inode {} of \"{}\"", fst.st_ino, root);
        if (VS_TRY(restore(f.get(), e.s, what))) ++restored;
    }
    // What was given back reaches the disk before the record that could give it back goes.
    if (restored > 0 && ::syncfs(top.get()) < 0)
        return errno_error(fmt::format("syncfs \"{}\"", root));
    if (restored > 0)
        log::info(
            "refresh of \"{}\" rolled back: {} file(s) got their owner, mode and xattrs "
            "back",
            root, restored);
    return drop_refresh_undo(undo);
}

Status drop_refresh_undo(const std::string& undo) {
    if (::unlink(undo.c_str()) < 0) {
        if (errno == ENOENT) return ok();
        return errno_error(fmt::format("remove \"{}\"", undo));
    }
    return fsync_dir(str::parent_dir(undo));
}

}  // namespace vs::store
