// libarchive reader -> archive_write_disk, chrooted in a forked child (which decodes a
// compressed archive on a second thread).
#include "store/template_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/sys.hpp"
#include "fs/resolve.hpp"

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

// A compressed archive is decoded on a thread of its own inside the extracting child: decoding
// and extracting overlap, as `zstd -d | tar -x` do in two processes, but the two hand over
// chunks of several MiB through memory instead of waking each other per pipe buffer, which on
// a busy machine costs a wait for a CPU each time. Returns the decoder (libarchive's raw format
// over the in-process filters) positioned on the stream's data, or null for an uncompressed
// file, which libarchive's tar reader reads itself (its offset rewound).
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

// The decoded stream in chunks, filled by a decoding thread and read by libarchive's tar
// reader (read_cb) on the extracting thread. At most kDepth chunks are decoded ahead.
class DecodeQueue {
public:
    DecodeQueue(archive* dec, std::string path) : dec_(dec), path_(std::move(path)) {}
    ~DecodeQueue() {
        {
            std::lock_guard<std::mutex> l(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    DecodeQueue(const DecodeQueue&) = delete;
    DecodeQueue& operator=(const DecodeQueue&) = delete;

    void start() {
        thread_ = std::thread([this] { run(); });
    }

    // libarchive's read callback: the next chunk, 0 at the end, -1 on a decoding error.
    static la_ssize_t read_cb(archive* a, void* self, const void** buf) {
        auto* q = static_cast<DecodeQueue*>(self);
        std::unique_lock<std::mutex> l(q->mu_);
        // The chunk handed out last time is libarchive's no longer (archive_read_open(3)).
        if (!q->reading_.empty()) {
            q->spare_.push_back(std::move(q->reading_));
            q->reading_ = {};
            q->cv_.notify_all();
        }
        q->cv_.wait(l, [&] { return !q->ready_.empty() || q->done_; });
        if (q->ready_.empty()) {
            if (q->err_.empty()) return 0;
            archive_set_error(a, EIO, "%s", q->err_.c_str());
            return -1;
        }
        q->reading_ = std::move(q->ready_.front());
        q->ready_.pop_front();
        q->cv_.notify_all();
        *buf = q->reading_.data();
        return la_ssize_t(q->reading_.size());
    }

    // The decoder's error ("" when none): the cause of what the reader saw (a truncated stream).
    std::string error() {
        std::lock_guard<std::mutex> l(mu_);
        return err_;
    }

private:
    static constexpr size_t kChunk = 4u << 20;
    static constexpr size_t kDepth = 4;

    void run() {
        std::vector<char> fill;
        std::string err;
        for (;;) {
            if (fill.capacity() == 0) {
                std::lock_guard<std::mutex> l(mu_);
                if (!spare_.empty()) {
                    fill = std::move(spare_.back());
                    spare_.pop_back();
                    fill.clear();
                }
            }
            fill.reserve(kChunk);
            const void* buf = nullptr;
            size_t len = 0;
            la_int64_t off = 0;
            int r = archive_read_data_block(dec_, &buf, &len, &off);
            if (r < ARCHIVE_WARN) err = fmt::format("read \"{}\": {}", path_, arc_err(dec_));
            const bool end = r == ARCHIVE_EOF || r < ARCHIVE_WARN;
            if (!end) {
                const char* p = static_cast<const char*>(buf);
                fill.insert(fill.end(), p, p + len);
            }
            if (fill.size() >= kChunk || (end && !fill.empty())) {
                std::unique_lock<std::mutex> l(mu_);
                cv_.wait(l, [&] { return stop_ || ready_.size() < kDepth; });
                if (stop_) return;
                ready_.push_back(std::move(fill));
                fill = {};
                cv_.notify_all();
            }
            if (end) {
                std::lock_guard<std::mutex> l(mu_);
                err_ = err;
                done_ = true;
                cv_.notify_all();
                return;
            }
        }
    }

    archive* dec_;
    std::string path_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::vector<char>> ready_;
    std::vector<std::vector<char>> spare_;
    std::vector<char> reading_;
    bool done_ = false, stop_ = false;
    std::string err_;
};

constexpr int kExtractFlags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                              ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_FFLAGS |
                              ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                              ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

// Starts the writeback of the regular file `path` (relative to the chroot's "/", just
// extracted) without waiting for it (sync_file_range(2) SYNC_FILE_RANGE_WRITE): the disk writes
// while the next entries are extracted, and the caller's syncfs afterwards finds little left.
// A hint only: a file that cannot be opened is simply left to that syncfs. The archive's tree
// is opened as a guest's: no symlink followed, and only a regular file opened for reading (a
// FIFO or device at that name is never opened), through `self_fds` (fs::open_regular).
void start_writeback(const std::string& path, int self_fds) {
    if (auto fd = fs::open_regular(AT_FDCWD, path, O_RDONLY | O_NONBLOCK, self_fds))
        (void)::sync_file_range(fd->get(), 0, 0, SYNC_FILE_RANGE_WRITE);
}

// Files at least this big get their writeback started as soon as they are complete; smaller
// ones are not worth the open(2) each.
constexpr int64_t kWritebackMin = 64 << 10;

// Runs in the chrooted child: returns "" on success, else the message for the parent. Reads
// the archive from `fd`, or from `queue` (the decoded stream of a compressed one) when given.
// `self_fds`: the child's /proc/self/fd, opened before the chroot (start_writeback).
std::string extract_fd(int fd, DecodeQueue* queue, const std::string& name,
                       const ExtractHooks* hooks, int self_fds) {
    auto in = make_reader();
    const int opened =
        queue ? archive_read_open(in.get(), queue, nullptr, DecodeQueue::read_cb, nullptr)
              : archive_read_open_fd(in.get(), fd, 1 << 20);
    if (opened != ARCHIVE_OK)
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
        if (hooks && hooks->writeback && archive_entry_filetype(e) == AE_IFREG &&
            !archive_entry_hardlink(e) && archive_entry_size(e) >= kWritebackMin)
            start_writeback(path, self_fds);
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
    int msg[2];
    if (::pipe2(msg, O_CLOEXEC) < 0) return errno_error("pipe");
    UniqueFd rd(msg[0]), wr(msg[1]);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork");
    if (pid == 0) {
        rd.reset();
        std::string err;
        int code = 1;  // 2: the archive could not be decoded (EIO for the caller)
        // Without it (no /proc) the writeback hints are left out, nothing else.
        UniqueFd self(hooks.writeback ? ::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                      : -1);
        const int self_fds = self.get();
        if (::fchdir(rootfd.get()) < 0 || ::chroot(".") < 0) {
            err = fmt::format("chroot \"{}\": {}", root, std::strerror(errno));
        } else if (dec) {
            DecodeQueue queue(dec.get(), path);
            queue.start();
            err = extract_fd(-1, &queue, path, &hooks, self_fds);
            // A decoding error is the cause of what the reader saw (a truncated stream).
            if (auto d = queue.error(); !d.empty()) {
                err = d;
                code = 2;
            }
        } else {
            err = extract_fd(fd.get(), nullptr, path, &hooks, self_fds);
        }
        if (!err.empty()) {
            [[maybe_unused]] auto n = ::write(wr.get(), err.data(), err.size());
            ::_exit(code);
        }
        ::_exit(0);
    }
    wr.reset();
    dec.reset();
    if (hooks.progress) {
        // The child reads the archive (or decodes it) through the very open file description
        // we hold, so its offset is how far the extraction got. The first update at once: a
        // short extraction shows its line too.
        for (;;) {
            off_t at = ::lseek(fd.get(), 0, SEEK_CUR);
            if (at >= 0) hooks.progress(uint64_t(at));
            struct pollfd p {
                rd.get(), POLLIN, 0
            };
            int n = ::poll(&p, 1, 200);
            if (n > 0 || (n < 0 && errno != EINTR)) break;
        }
    }
    auto text = sys::read_all(rd.get(), "extract pipe");
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (text && !text->empty())
        return make_error(WIFEXITED(st) && WEXITSTATUS(st) == 2 ? EIO : 0, "{}", *text);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return make_error(0, "extract \"{}\": child failed (status {})", path, st);
    return ok();
}

}  // namespace vs::store
