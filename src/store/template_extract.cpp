// libarchive reader -> archive_write_disk, chrooted in a forked child (fed the decompressed
// stream by the parent).
#include "store/template_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/sys.hpp"

namespace vs::store {

namespace {

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

// Only in-process decoders: archive_read_support_filter_all() would also fall back to external
// programs (lzop, lrzip...), which must not run as root on untrusted input.
void support_filters(archive* a) {
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_lz4(a);
}

ArchivePtr make_reader() {
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    archive_read_support_format_cpio(a.get());
    support_filters(a.get());
    return a;
}

std::string arc_err(archive* a) {
    const char* s = archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

// A compressed archive is decompressed in the parent and handed to the chrooted child as the
// plain stream through a pipe: decompressing and extracting overlap, as `zstd -d | tar -x` do
// in two processes. Returns the decoder (libarchive's raw format over the in-process filters)
// positioned on the stream's data, or null for an uncompressed file, which the child reads
// itself (its offset rewound).
Result<ArchivePtr> open_decoder(int fd, const std::string& path) {
    ArchivePtr a(archive_read_new(), archive_read_free);
    support_filters(a.get());
    archive_read_support_format_raw(a.get());
    archive_entry* e = nullptr;
    if (archive_read_open_fd(a.get(), fd, 1 << 20) != ARCHIVE_OK ||
        archive_read_next_header(a.get(), &e) != ARCHIVE_OK)
        return make_error(EINVAL, "open archive \"{}\": {}", path, arc_err(a.get()));
    if (archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_NONE) return a;
    a.reset();
    if (::lseek(fd, 0, SEEK_SET) < 0) return errno_error(fmt::format("seek \"{}\"", path));
    return ArchivePtr(nullptr, archive_read_free);
}

// SIGPIPE ignored while the parent feeds the child: a child that stopped (a refused member)
// makes write(2) fail with EPIPE instead of killing us.
class NoSigpipe {
public:
    NoSigpipe() {
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        ::sigaction(SIGPIPE, &ign, &old_);
    }
    ~NoSigpipe() { ::sigaction(SIGPIPE, &old_, nullptr); }
    NoSigpipe(const NoSigpipe&) = delete;
    NoSigpipe& operator=(const NoSigpipe&) = delete;

private:
    struct sigaction old_ {};
};

// Feeds the decoded stream into `out` until its end; "" or the decoder's error. A child gone
// (EPIPE) ends the feed quietly: its own message says why.
std::string feed(archive* dec, int out, const std::string& path, const ExtractHooks& hooks) {
    auto now_ns = [] {
        struct timespec t {};
        ::clock_gettime(CLOCK_MONOTONIC, &t);
        return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
    };
    int64_t shown_at = 0;
    for (;;) {
        const void* buf = nullptr;
        size_t len = 0;
        la_int64_t off = 0;
        int r = archive_read_data_block(dec, &buf, &len, &off);
        if (r == ARCHIVE_EOF) return "";
        if (r < ARCHIVE_WARN) return fmt::format("read \"{}\": {}", path, arc_err(dec));
        auto w = sys::write_all(out, std::string_view(static_cast<const char*>(buf), len),
                                "the extracting child");
        if (!w) return w.error().code == EPIPE ? "" : w.error().what();
        const int64_t now = now_ns();
        if (hooks.progress && now - shown_at > 200'000'000) {
            shown_at = now;
            hooks.progress(uint64_t(archive_filter_bytes(dec, -1)));
        }
    }
}

constexpr int kExtractFlags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                              ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_FFLAGS |
                              ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                              ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

// Runs in the chrooted child: returns "" on success, else the message for the parent.
std::string extract_fd(int fd, const std::string& name, const ExtractHooks* hooks) {
    auto in = make_reader();
    if (archive_read_open_fd(in.get(), fd, 1 << 20) != ARCHIVE_OK)
        return fmt::format("open archive \"{}\": {}", name, arc_err(in.get()));
    ArchivePtr out(archive_write_disk_new(), archive_write_free);
    archive_write_disk_set_options(out.get(), kExtractFlags);
    // No archive_write_disk_set_standard_lookup(): owners stay numeric, as the guest's own
    // /etc/passwd (not the host's) gives the names meaning.
    for (;;) {
        archive_entry* e = nullptr;
        int r = archive_read_next_header(in.get(), &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return fmt::format("read \"{}\": {}", name, arc_err(in.get()));
        std::string path = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        if (hooks && hooks->filter) {
            std::string verdict = hooks->filter(e);
            if (verdict == "-") continue;
            if (!verdict.empty()) return fmt::format("\"{}\": {}", name, verdict);
            path = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        }
        r = archive_write_header(out.get(), e);
        if (r < ARCHIVE_WARN)
            return fmt::format("extract \"{}\" from \"{}\": {}", path, name, arc_err(out.get()));
        if (archive_entry_size(e) > 0 && r >= ARCHIVE_WARN) {
            const void* buf;
            size_t len;
            la_int64_t off;
            for (;;) {
                int d = archive_read_data_block(in.get(), &buf, &len, &off);
                if (d == ARCHIVE_EOF) break;
                if (d < ARCHIVE_WARN)
                    return fmt::format("read \"{}\" in \"{}\": {}", path, name, arc_err(in.get()));
                // A failed write(2) (ENOSPC, EIO) is only ARCHIVE_WARN from libarchive's disk
                // writer, which then goes on and sets the file's size: taken as a warning, it
                // left a file of the right size holding holes where the data failed.
                if (archive_write_data_block(out.get(), buf, len, off) != ARCHIVE_OK)
                    return fmt::format("write \"{}\" from \"{}\": {}: {}", path, name,
                                       arc_err(out.get()), std::strerror(archive_errno(out.get())));
            }
        }
        if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN)
            return fmt::format("finish \"{}\" from \"{}\": {}", path, name, arc_err(out.get()));
    }
    // Directory modes and times are applied here (deferred so files can be written first).
    if (archive_write_close(out.get()) != ARCHIVE_OK)
        return fmt::format("finish extracting \"{}\": {}", name, arc_err(out.get()));
    if (hooks && hooks->finish) return hooks->finish();
    return "";
}

}  // namespace

Status check_archive(const std::string& path) {
    auto fd = VS_TRY(sys::open(path, O_RDONLY | O_CLOEXEC));
    auto in = make_reader();
    if (archive_read_open_fd(in.get(), fd.get(), 1 << 16) != ARCHIVE_OK)
        return make_error(EINVAL, "template \"{}\": {}", path, arc_err(in.get()));
    archive_entry* e = nullptr;
    int r = archive_read_next_header(in.get(), &e);
    if (r < ARCHIVE_WARN)
        return make_error(EINVAL, "template \"{}\": not a readable archive: {}", path,
                          arc_err(in.get()));
    if (r == ARCHIVE_EOF) return make_error(EINVAL, "template \"{}\": empty archive", path);
    return ok();
}

Status extract_archive(const std::string& path, const std::string& root) {
    return extract_archive_with(path, root, ExtractHooks{});
}

Status extract_archive_with(const std::string& path, const std::string& root,
                            const ExtractHooks& hooks) {
    auto fd = VS_TRY(sys::open(path, O_RDONLY | O_CLOEXEC));
    auto rootfd = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto dec = VS_TRY(open_decoder(fd.get(), path));
    UniqueFd data_rd, data_wr;
    if (dec) {
        int d[2];
        if (::pipe2(d, O_CLOEXEC) < 0) return errno_error("pipe");
        data_rd = UniqueFd(d[0]);
        data_wr = UniqueFd(d[1]);
        // 1 MiB in flight (the default is 64 KiB): fewer switches between the two processes.
        // Root may; failing that, the default works.
        (void)::fcntl(d[1], F_SETPIPE_SZ, 1 << 20);
    }
    int msg[2];
    if (::pipe2(msg, O_CLOEXEC) < 0) return errno_error("pipe");
    UniqueFd rd(msg[0]), wr(msg[1]);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork");
    if (pid == 0) {
        rd.reset();
        data_wr.reset();
        std::string err;
        if (::fchdir(rootfd.get()) < 0 || ::chroot(".") < 0)
            err = fmt::format("chroot \"{}\": {}", root, std::strerror(errno));
        else
            err = extract_fd(dec ? data_rd.get() : fd.get(), path, &hooks);
        if (!err.empty()) {
            [[maybe_unused]] auto n = ::write(wr.get(), err.data(), err.size());
            ::_exit(1);
        }
        ::_exit(0);
    }
    wr.reset();
    std::string fed;
    if (dec) {
        data_rd.reset();
        {
            NoSigpipe no_sigpipe;
            fed = feed(dec.get(), data_wr.get(), path, hooks);
        }
        data_wr.reset();  // the end of the stream for the child
    } else if (hooks.progress) {
        // The child reads the archive through the very open file description we hold, so its
        // offset is how far the extraction got.
        for (;;) {
            struct pollfd p {
                rd.get(), POLLIN, 0
            };
            int n = ::poll(&p, 1, 200);
            if (n > 0 || (n < 0 && errno != EINTR)) break;
            off_t at = ::lseek(fd.get(), 0, SEEK_CUR);
            if (at >= 0) hooks.progress(uint64_t(at));
        }
    }
    auto text = sys::read_all(rd.get(), "extract pipe");
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    // A decoding error is the cause of what the child saw (a truncated stream).
    if (!fed.empty()) return make_error(EIO, "{}", fed);
    if (text && !text->empty()) return make_error(0, "{}", *text);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return make_error(0, "extract \"{}\": child failed (status {})", path, st);
    return ok();
}

}  // namespace vs::store
