// TreeReader: fs::walk -> archive_entry (libarchive disk reader on our own fds) -> EntrySink.
#include "transfer/tree_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_set>
#include <vector>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "fs/mounts.hpp"
#include "fs/resolve.hpp"
#include "fs/walk.hpp"
#include "transfer/progress.hpp"

namespace vs::transfer {

namespace {

using EntryPtr = std::unique_ptr<archive_entry, void (*)(archive_entry*)>;

std::string lib_err(archive* a) {
    const char* s = archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

// The metadata of an entry we never open (symlink, device, FIFO), from the walk's statx.
void fill_from_statx(archive_entry* e, const struct statx& x) {
    archive_entry_set_mode(e, x.stx_mode);
    archive_entry_set_uid(e, x.stx_uid);
    archive_entry_set_gid(e, x.stx_gid);
    archive_entry_set_nlink(e, x.stx_nlink);
    archive_entry_set_dev(e, makedev(x.stx_dev_major, x.stx_dev_minor));
    archive_entry_set_ino(e, x.stx_ino);
    archive_entry_set_mtime(e, x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec);
    if (S_ISCHR(x.stx_mode) || S_ISBLK(x.stx_mode))
        archive_entry_set_rdev(e, makedev(x.stx_rdev_major, x.stx_rdev_minor));
    archive_entry_set_size(e, 0);
}

// Extended attributes of a device node or FIFO held by the O_PATH handle `fd`: getxattr(2) on
// its /proc/self/fd link reaches the inode itself without open(2), which could block (a FIFO)
// or reach a driver (a device). The POSIX ACL attributes are left to the ACL entries.
Status add_xattrs_by_handle(archive_entry* e, int fd, const std::string& path) {
    const std::string link = fmt::format("/proc/self/fd/{}", fd);
    std::vector<char> names(4096);
    ssize_t n;
    while ((n = ::listxattr(link.c_str(), names.data(), names.size())) < 0 && errno == ERANGE)
        names.resize(names.size() * 4);
    if (n < 0) {
        if (errno == ENOTSUP) return ok();
        return errno_error(fmt::format("listxattr \"{}\"", path));
    }
    for (ssize_t i = 0; i < n;) {
        std::string key(&names[size_t(i)]);
        i += ssize_t(key.size()) + 1;
        if (key == "system.posix_acl_access" || key == "system.posix_acl_default") continue;
        std::vector<char> val(256);
        ssize_t v;
        while ((v = ::getxattr(link.c_str(), key.c_str(), val.data(), val.size())) < 0 &&
               errno == ERANGE)
            val.resize(val.size() * 4);
        if (v < 0) {
            if (errno == ENODATA) continue;
            return errno_error(fmt::format("getxattr \"{}\" {}", path, key));
        }
        archive_entry_xattr_add_entry(e, key.c_str(), val.data(), size_t(v));
    }
    return ok();
}

}  // namespace

Status read_data(int fd, archive_entry* e, const std::string& path, const DataFn& fn) {
    const int64_t size = archive_entry_size(e);
    std::vector<std::pair<int64_t, int64_t>> regions;
    if (archive_entry_sparse_reset(e) > 0) {
        la_int64_t off = 0, len = 0;
        while (archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK)
            if (len > 0) regions.emplace_back(off, len);
    } else if (size > 0) {
        regions.emplace_back(0, size);
    }
    constexpr size_t kBuf = 1 << 20;
    static thread_local std::vector<char> buf(kBuf);
    for (auto [off, len] : regions) {
        int64_t pos = off;
        const int64_t end = off + len;
        while (pos < end) {
            const size_t want = size_t(std::min<int64_t>(int64_t(kBuf), end - pos));
            ssize_t n = ::pread(fd, buf.data(), want, pos);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno_error(fmt::format("read \"{}\"", path));
            }
            if (n == 0)
                return make_error(EIO, "\"{}\" shrank while it was read ({} of {} bytes)", path,
                                  pos, size);
            VS_TRY(fn(pos, buf.data(), size_t(n)));
            pos += n;
        }
    }
    struct stat st {};
    if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (st.st_size != size)
        return make_error(EIO, "\"{}\" changed size while it was read ({} -> {} bytes)", path, size,
                          int64_t(st.st_size));
    return ok();
}

struct TreeReader::Impl {
    archive* disk = nullptr;
    // Regular files with as many blocks as bytes: no hole to look for. GNU tar's test too
    // (ST_IS_SPARSE): it spares libarchive's SEEK_DATA/SEEK_HOLE walk, five lseek(2)s a file.
    archive* dense = nullptr;
    archive* special = nullptr;  // devices and FIFOs: ACLs by path (/proc/self/fd/N) only
    archive_entry_linkresolver* links = nullptr;
    Impl() {
        disk = archive_read_disk_new();
        dense = archive_read_disk_new();
        archive_read_disk_set_behavior(dense, ARCHIVE_READDISK_NO_SPARSE);
        special = archive_read_disk_new();
        archive_read_disk_set_behavior(special, ARCHIVE_READDISK_NO_XATTR |
                                                    ARCHIVE_READDISK_NO_SPARSE |
                                                    ARCHIVE_READDISK_NO_FFLAGS);
        // No archive_read_disk_set_standard_lookup(): owners stay numeric (the guest's
        // /etc/passwd, not the host's, names them), and the static binary looks up nobody.
        links = archive_entry_linkresolver_new();
        archive_entry_linkresolver_set_strategy(links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
    }
    ~Impl() {
        archive_entry_linkresolver_free(links);
        archive_read_free(disk);
        archive_read_free(dense);
        archive_read_free(special);
    }

    // A device node or FIFO through an O_PATH handle: libarchive gets no fd (so it opens
    // nothing) and reads the ACL through the handle's /proc/self/fd link; xattrs come from
    // add_xattrs_by_handle.
    Status from_handle(archive_entry* e, int fd, const std::string& path) {
        struct stat st {};
        if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
        const std::string self = fmt::format("/proc/self/fd/{}", fd);
        archive_entry_copy_sourcepath(e, self.c_str());
        int r = archive_read_disk_entry_from_file(special, e, -1, &st);
        if (r < ARCHIVE_OK)
            return make_error(archive_errno(special) ? archive_errno(special) : EIO,
                              "read metadata of \"{}\": {}", path, lib_err(special));
        archive_entry_copy_sourcepath(e, nullptr);
        archive_entry_unset_atime(e);
        archive_entry_unset_ctime(e);
        archive_entry_unset_birthtime(e);
        return add_xattrs_by_handle(e, fd, path);
    }

    // Metadata, ACLs, xattrs (file capabilities are security.capability), file flags and the
    // sparse map of a regular file or directory we hold open. libarchive reads the default ACL
    // of a directory by path: the path it gets is /proc/self/fd/N, that very directory.
    Status from_fd(archive_entry* e, int fd, const std::string& path) {
        struct stat st {};
        if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
        const std::string self = fmt::format("/proc/self/fd/{}", fd);
        archive_entry_copy_sourcepath(e, self.c_str());
        archive* rd = S_ISREG(st.st_mode) && int64_t(st.st_blocks) * 512 >= int64_t(st.st_size)
                          ? dense
                          : disk;
        int r = archive_read_disk_entry_from_file(rd, e, fd, &st);
        if (r < ARCHIVE_WARN)
            return make_error(archive_errno(rd), "read metadata of \"{}\": {}", path, lib_err(rd));
        if (r == ARCHIVE_WARN)
            return make_error(archive_errno(rd) ? archive_errno(rd) : EIO,
                              "read metadata of \"{}\": {}", path, lib_err(rd));
        archive_entry_copy_sourcepath(e, nullptr);
        // Access and change times are not restorable (ctime) or churn on every read (atime).
        archive_entry_unset_atime(e);
        archive_entry_unset_ctime(e);
        archive_entry_unset_birthtime(e);
        return ok();
    }
};

TreeReader::TreeReader() : impl_(std::make_unique<Impl>()) {}
TreeReader::~TreeReader() = default;

namespace {

class ReadVisitor : public fs::Visitor {
public:
    ReadVisitor(TreeReader::Impl& impl, ReadStats& stats, EntrySink& sink, const std::string& top,
                const std::string& prefix, Progress* p)
        : impl_(impl), stats_(stats), sink_(sink), top_(top), prefix_(prefix), progress_(p) {}

    Result<fs::Action> visit(const fs::Entry& en) override {
        const std::string shown = top_ + "/" + en.path;
        const mode_t type = en.stx.stx_mode & S_IFMT;
        if (type == S_IFSOCK) {
            stats_.skipped.push_back(fmt::format("{}: a socket", shown));
            return fs::Action::Skip;
        }
        EntryPtr e(archive_entry_new(), archive_entry_free);
        UniqueFd fd;
        if (type == S_IFREG || type == S_IFDIR) {
            auto opened = type == S_IFREG
                              ? fs::open_regular(en.dirfd, en.name, O_RDONLY)
                              : fs::open_child(en.dirfd, en.name, O_RDONLY | O_DIRECTORY);
            if (!opened) {
                if (opened.error().code == ENOENT) return fs::Action::Skip;
                return std::move(opened).error().wrap(fmt::format("\"{}\"", shown));
            }
            fd = std::move(*opened);
            VS_TRY(impl_.from_fd(e.get(), fd.get(), shown));
            if (type == S_IFREG && archive_entry_size(e.get()) > kMaxFileSize)
                return make_error(EFBIG,
                                  "\"{}\": a file of {} bytes is beyond what a backup holds "
                                  "(16 TiB)",
                                  shown, archive_entry_size(e.get()));
        } else {
            fill_from_statx(e.get(), en.stx);
            if (type == S_IFLNK) {
                std::vector<char> buf(4096);
                ssize_t n;
                while ((n = ::readlinkat(en.dirfd, en.name.c_str(), buf.data(), buf.size())) >=
                           ssize_t(buf.size()) &&
                       buf.size() < (1u << 20))
                    buf.resize(buf.size() * 4);
                if (n < 0) {
                    if (errno == ENOENT) return fs::Action::Skip;
                    return errno_error(fmt::format("readlink \"{}\"", shown));
                }
                archive_entry_copy_symlink(e.get(), std::string(buf.data(), size_t(n)).c_str());
            } else {
                int h = ::openat(en.dirfd, en.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (h < 0) {
                    if (errno == ENOENT) return fs::Action::Skip;
                    return errno_error(fmt::format("open \"{}\"", shown));
                }
                UniqueFd handle(h);
                VS_TRY(impl_.from_handle(e.get(), h, shown));
                if ((archive_entry_filetype(e.get()) & AE_IFMT) != type)
                    return make_error(EAGAIN, "\"{}\" changed while it was read", shown);
            }
        }
        archive_entry_copy_pathname(e.get(), (prefix_ + "/" + en.path).c_str());
        VS_TRY(put(e.get(), fd.get(), shown));
        return fs::Action::Descend;
    }

    Status mount_point(const fs::Entry& en) override {
        auto m = fs::find_mount(en.stx.stx_mnt_id);
        stats_.skipped.push_back(fmt::format("{}/{}: a mount point ({})", top_, en.path,
                                             m ? m->describe() : "another file system"));
        return ok();
    }

    // Hard links: the first name carries the data, later ones become link entries
    // (libarchive's resolver, tar strategy).
    Status put(archive_entry* e, int fd, const std::string& shown) {
        archive_entry* entry = e;
        archive_entry* spare = nullptr;
        const bool linkable = archive_entry_filetype(e) != AE_IFDIR;
        if (linkable) archive_entry_linkify(impl_.links, &entry, &spare);
        if (!entry) return ok();
        const bool link = archive_entry_hardlink(entry) != nullptr;
        if (!link && archive_entry_filetype(entry) == AE_IFREG)
            stats_.bytes += uint64_t(archive_entry_size(entry));
        ++stats_.entries;
        const bool data = !link && archive_entry_filetype(entry) == AE_IFREG;
        VS_TRY(sink_.put(entry, data ? fd : -1, shown));
        if (progress_ && !link && archive_entry_filetype(entry) == AE_IFREG)
            progress_->add(uint64_t(archive_entry_size(entry)));
        // A clone the resolver handed back (never with the tar strategy) is ours to free.
        if (entry != e) archive_entry_free(entry);
        if (spare) archive_entry_free(spare);
        return ok();
    }

private:
    TreeReader::Impl& impl_;
    ReadStats& stats_;
    EntrySink& sink_;
    const std::string& top_;
    const std::string& prefix_;
    Progress* progress_;
};

}  // namespace

Status TreeReader::read(int topfd, const std::string& top_path, const std::string& prefix,
                        EntrySink& sink, Progress* progress) {
    ReadVisitor v(*impl_, stats_, sink, top_path, prefix, progress);
    {
        int fd = ::openat(topfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return errno_error(fmt::format("open \"{}\"", top_path));
        UniqueFd top(fd);
        EntryPtr e(archive_entry_new(), archive_entry_free);
        VS_TRY(impl_->from_fd(e.get(), top.get(), top_path));
        archive_entry_copy_pathname(e.get(), prefix.c_str());
        ++stats_.entries;
        VS_TRY(sink.put(e.get(), -1, top_path));
    }
    return fs::walk(topfd, top_path, v);
}

namespace {

class SizeVisitor : public fs::Visitor {
public:
    explicit SizeVisitor(bool allocated) : allocated_(allocated) {}
    uint64_t bytes = 0;
    Result<fs::Action> visit(const fs::Entry& e) override {
        // A hard-linked file is archived or copied once: counted once (one file system, so
        // the inode number alone tells).
        if (e.is_regular() && (e.stx.stx_nlink < 2 || linked_.insert(e.stx.stx_ino).second))
            bytes += allocated_ ? std::min<uint64_t>(e.stx.stx_size, e.stx.stx_blocks * 512)
                                : e.stx.stx_size;
        return fs::Action::Descend;
    }
    Status mount_point(const fs::Entry&) override { return ok(); }

private:
    bool allocated_;
    std::unordered_set<uint64_t> linked_;
};

}  // namespace

uint64_t tree_bytes(int topfd, const std::string& top_path, bool allocated) {
    SizeVisitor v(allocated);
    (void)fs::walk(topfd, top_path, v);
    return v.bytes;
}

}  // namespace vs::transfer
