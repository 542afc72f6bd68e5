// ArchiveWriter: libarchive pax writer on a temporary file, committed by rename(2).
#include "transfer/archive_writer.hpp"

#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "transfer/compressor.hpp"

#ifdef VS_ARCHIVE_OWN_HELPER
// libarchive 3.6/3.7's pax writer reports an entry type it cannot hold (a socket, which
// TreeReader never gives it) through this helper, which lives in archive_write_set_format.o
// with the table of every write format. Defined here (in an object the link takes anyway), the
// static link keeps only the tar writer instead of pulling the xar, zip and 7zip writers and
// libxml2, ICU and nettle with them. CMakeLists.txt defines VS_ARCHIVE_OWN_HELPER only for a
// static libarchive of those versions, whose helper has this signature and does this: an error
// on the archive, then ARCHIVE_FAILED from its caller.
extern "C" void __archive_write_entry_filetype_unsupported(struct archive* a,
                                                           struct archive_entry* entry,
                                                           const char* format) {
    const char* path = archive_entry_pathname(entry);
    archive_set_error(a, EINVAL, "%s: %s format cannot archive this file type", path ? path : "",
                      format);
}
#endif

namespace vs::transfer {

namespace {

std::string lib_err(archive* a) {
    const char* s = archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

std::string dir_of(const std::string& f) {
    auto s = f.find_last_of('/');
    if (s == std::string::npos) return ".";
    return s == 0 ? "/" : f.substr(0, s);
}

std::string base_of(const std::string& f) {
    auto s = f.find_last_of('/');
    return s == std::string::npos ? f : f.substr(s + 1);
}

// ".<base>.<pid>.part" files of `file` whose pid is gone: what a killed backup left.
void sweep_parts(const std::string& dir, const std::string& base) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    const std::string head = "." + base + ".";
    while (auto* de = ::readdir(d)) {
        std::string n = de->d_name;
        if (n.rfind(head, 0) != 0 || n.size() <= head.size() + 5 ||
            n.compare(n.size() - 5, 5, ".part") != 0)
            continue;
        std::string pid = n.substr(head.size(), n.size() - head.size() - 5);
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        if (::kill(pid_t(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;
        if (::unlinkat(::dirfd(d), n.c_str(), 0) == 0)
            log::debug("removed \"{}/{}\", left by a killed backup", dir, n);
    }
    ::closedir(d);
}

// Zeros for the holes of sparse files: the pax writer consumes hole bytes without reading
// them, so one untouched, never-backed mapping serves any hole.
const char* zero_area(size_t len) {
    static void* area = nullptr;
    if (!area) {
        area = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (area == MAP_FAILED) area = nullptr;
    }
    return static_cast<const char*>(area);
}
constexpr size_t kZeroArea = size_t(1) << 30;

}  // namespace

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::create(const std::string& file) {
    std::unique_ptr<ArchiveWriter> w(new ArchiveWriter);
    w->comp_ = VS_TRY(compression_for(file));
    w->file_ = file;
    const std::string dir = dir_of(file), base = base_of(file);
    struct stat st {};
    if (::stat(dir.c_str(), &st) < 0) return errno_error(fmt::format("archive \"{}\"", file));
    if (!S_ISDIR(st.st_mode))
        return make_error(ENOTDIR,
                          "archive \"{}\": \"{}\" is not a "
                          "directory",
                          file, dir);
    if (::lstat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        return make_error(EEXIST, "archive \"{}\" exists and is not a regular file", file);
    sweep_parts(dir, base);
    w->temp_ = fmt::format("{}/.{}.{}.part", dir, base, ::getpid());
    int fd = ::open(w->temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return errno_error(fmt::format("create \"{}\"", w->temp_));
    w->fd_ = UniqueFd(fd);
    archive* a = archive_write_new();
    w->a_ = a;
    // pax (POSIX.1-2001): long and odd names (newlines), big and negative numbers, nanosecond
    // times, xattrs (SCHILY.xattr.*, which GNU tar --xattrs reads), ACLs (SCHILY.acl.*, GNU tar
    // --acls) and sparse files (GNU.sparse.* 1.0), all readable by GNU tar.
    archive_write_set_format_pax(a);
    // Extended attributes as SCHILY.xattr.* only (binary-safe values), the records GNU tar
    // reads, rather than also as LIBARCHIVE.xattr.*, which GNU tar warns about per file.
    archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
    // Blocks of 1 MiB: few write(2)s, or few hand-overs to the compressor.
    archive_write_set_bytes_per_block(a, 1 << 20);
    archive_write_set_bytes_in_last_block(a, 1);
    // Compressed, the pax stream goes to a compressor thread: reading the tree (this thread)
    // and compressing overlap. libarchive's own zstd threads need a libzstd built with
    // ZSTD_MULTITHREAD, which Debian's static libzstd.a is not.
    if (w->comp_ != Compression::None)
        w->comp_thread_ = VS_TRY(Compressor::start(w->fd_.get(), w->comp_, w->temp_));
    // The sink keeps the errno of a failed write: libarchive's header path can report the
    // failure without it.
    auto sink = [](archive* ar, void* self, const void* buf, size_t len) -> la_ssize_t {
        auto* me = static_cast<ArchiveWriter*>(self);
        Status r =
            me->comp_thread_
                ? me->comp_thread_->write(buf, len)
                : sys::write_all(me->fd_.get(),
                                 std::string_view(static_cast<const char*>(buf), len), me->temp_);
        if (r && !me->comp_thread_) me->written_ += len;
        if (!r) {
            me->sink_errno_ = r.error().code;
            archive_set_error(ar, r.error().code, "%s", r.error().message.c_str());
            return -1;
        }
        return la_ssize_t(len);
    };
    if (archive_write_open(a, w.get(), nullptr, sink, nullptr) != ARCHIVE_OK)
        return make_error(EIO, "archive \"{}\": {}", w->temp_, lib_err(a));
    return w;
}

ArchiveWriter::~ArchiveWriter() {
    if (a_) archive_write_free(a_);  // closes (flushes) into the temporary, which goes below
    comp_thread_.reset();
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

int ArchiveWriter::code() const {
    if (sink_errno_) return sink_errno_;
    return archive_errno(a_) ? archive_errno(a_) : EIO;
}

uint64_t ArchiveWriter::written() const {
    if (comp_thread_) return comp_thread_->written();
    return written_;
}

Status ArchiveWriter::feed_zeros(int64_t n, const std::string& path) {
    const char* z = zero_area(kZeroArea);
    if (!z) return errno_error("mmap");
    while (n > 0) {
        const size_t chunk = size_t(std::min<int64_t>(n, int64_t(kZeroArea)));
        la_ssize_t w = archive_write_data(a_, z, chunk);
        if (w <= 0) return make_error(code(), "write \"{}\": {}", path, lib_err(a_));
        n -= w;
    }
    return ok();
}

Status ArchiveWriter::put(archive_entry* e, int fd, const std::string& path) {
    int r = archive_write_header(a_, e);
    // ARCHIVE_WARN: a name not valid in the locale's charset, stored as raw bytes
    // (hdrcharset=BINARY), which GNU tar and libarchive read back unchanged.
    if (r < ARCHIVE_WARN) return make_error(code(), "archive \"{}\": {}", path, lib_err(a_));
    if (fd < 0 || archive_entry_size(e) == 0) return ok();
    int64_t pos = 0;
    auto data = read_data(fd, e, path, [&](int64_t off, const char* buf, size_t len) -> Status {
        if (off > pos)
            if (auto z = feed_zeros(off - pos, path); !z) return z;
        size_t done = 0;
        while (done < len) {
            la_ssize_t w = archive_write_data(a_, buf + done, len - done);
            if (w <= 0)
                return make_error(code(), "write \"{}\" into the archive: {}", path, lib_err(a_));
            done += size_t(w);
        }
        pos = off + int64_t(len);
        return ok();
    });
    if (!data) return data;
    if (archive_entry_size(e) > pos) VS_TRY(feed_zeros(archive_entry_size(e) - pos, path));
    if (archive_write_finish_entry(a_) != ARCHIVE_OK)
        return make_error(EIO, "archive \"{}\": {}", path, lib_err(a_));
    return ok();
}

Status ArchiveWriter::put_file(const std::string& name, const std::string& data) {
    archive_entry* e = archive_entry_new();
    archive_entry_copy_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, la_int64_t(data.size()));
    archive_entry_set_mtime(e, ::time(nullptr), 0);
    int r = archive_write_header(a_, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK) return make_error(EIO, "archive \"{}\": {}", name, lib_err(a_));
    if (archive_write_data(a_, data.data(), data.size()) != la_ssize_t(data.size()))
        return make_error(EIO, "archive \"{}\": {}", name, lib_err(a_));
    return ok();
}

Status ArchiveWriter::commit() {
    if (archive_write_close(a_) != ARCHIVE_OK)
        return make_error(code(), "write \"{}\": {}", temp_, lib_err(a_));
    if (comp_thread_) VS_TRY(comp_thread_->finish());
    if (::fsync(fd_.get()) < 0) return errno_error(fmt::format("fsync \"{}\"", temp_));
    if (::fchmod(fd_.get(), 0600) < 0) return errno_error(fmt::format("chmod \"{}\"", temp_));
    if (::rename(temp_.c_str(), file_.c_str()) < 0)
        return errno_error(fmt::format("rename \"{}\" to \"{}\"", temp_, file_));
    committed_ = true;
    int d = ::open(dir_of(file_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
        ::fsync(d);
        ::close(d);
    }
    return ok();
}

}  // namespace vs::transfer
