// Compressor: a bounded queue of blocks and the thread that feeds them to libarchive's filter.
#include "transfer/compressor.hpp"

#include <archive_entry.h>

#include <cstring>

namespace vs::transfer {

namespace {

// Blocks of 1 MiB (what ArchiveWriter hands over), at most this many waiting: the reader runs
// ahead of the compressor by up to 8 MiB, enough to ride out a slow file or a slow block.
constexpr size_t kQueueDepth = 8;

std::string lib_err(archive* a) {
    const char* s = archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

}  // namespace

Result<std::unique_ptr<Compressor>> Compressor::start(int fd, Compression c,
                                                      const std::string& what) {
    std::unique_ptr<Compressor> z(new Compressor);
    z->what_ = what;
    archive* a = archive_write_new();
    z->a_ = a;
    archive_write_set_format_raw(a);
    int r = ARCHIVE_FATAL;
    switch (c) {
        case Compression::Gzip:
            r = archive_write_add_filter_gzip(a);
            // gzip's and GNU tar's level: bench/ compares at equal compression.
            if (r == ARCHIVE_OK)
                r = archive_write_set_filter_option(a, "gzip", "compression-level", "6");
            break;
        case Compression::Xz:
            r = archive_write_add_filter_xz(a);
            break;
        case Compression::Zstd:
            // Level 3, zstd's default (and `tar --zstd`'s).
            r = archive_write_add_filter_zstd(a);
            break;
        case Compression::None:
            break;
    }
    if (r != ARCHIVE_OK) return make_error(EINVAL, "archive \"{}\": {}", what, lib_err(a));
    archive_write_set_bytes_per_block(a, 128 << 10);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
        return make_error(EIO, "archive \"{}\": {}", what, lib_err(a));
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "data");
    archive_entry_set_filetype(e, AE_IFREG);
    r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK) return make_error(EIO, "archive \"{}\": {}", what, lib_err(a));
    z->thread_ = std::thread([p = z.get()] { p->run(); });
    return z;
}

Compressor::~Compressor() {
    if (thread_.joinable()) {
        {
            std::lock_guard<std::mutex> l(mu_);
            abort_ = true;
        }
        can_take_.notify_all();
        can_put_.notify_all();
        thread_.join();
    }
    if (a_) archive_write_free(a_);
}

Status Compressor::thread_error_locked() const {
    return make_error(err_code_ ? err_code_ : EIO, "write \"{}\": {}", what_, err_);
}

Status Compressor::write(const void* data, size_t len) {
    std::unique_lock<std::mutex> l(mu_);
    can_put_.wait(l, [&] { return failed_ || queue_.size() < kQueueDepth; });
    if (failed_) return thread_error_locked();
    std::vector<char> block;
    if (!spare_.empty()) {
        block = std::move(spare_.back());
        spare_.pop_back();
    }
    l.unlock();
    block.assign(static_cast<const char*>(data), static_cast<const char*>(data) + len);
    l.lock();
    queue_.push_back(std::move(block));
    l.unlock();
    can_take_.notify_one();
    return ok();
}

void Compressor::run() {
    for (;;) {
        std::vector<char> block;
        {
            std::unique_lock<std::mutex> l(mu_);
            can_take_.wait(l, [&] { return abort_ || ending_ || !queue_.empty(); });
            if (abort_) return;
            if (queue_.empty()) break;  // ending_, all compressed
            block = std::move(queue_.front());
            queue_.pop_front();
        }
        can_put_.notify_one();
        size_t done = 0;
        while (done < block.size()) {
            la_ssize_t n = archive_write_data(a_, block.data() + done, block.size() - done);
            if (n <= 0) {
                std::lock_guard<std::mutex> l(mu_);
                failed_ = true;
                err_code_ = archive_errno(a_);
                err_ = lib_err(a_);
                can_put_.notify_all();
                return;
            }
            done += size_t(n);
        }
        written_.store(uint64_t(archive_filter_bytes(a_, -1)), std::memory_order_relaxed);
        std::lock_guard<std::mutex> l(mu_);
        if (spare_.size() < kQueueDepth) spare_.push_back(std::move(block));
    }
    // The end of the stream: the filter's last frame and the final write.
    const int r = archive_write_close(a_);
    written_.store(uint64_t(archive_filter_bytes(a_, -1)), std::memory_order_relaxed);
    if (r != ARCHIVE_OK) {
        std::lock_guard<std::mutex> l(mu_);
        failed_ = true;
        err_code_ = archive_errno(a_);
        err_ = lib_err(a_);
    }
}

Status Compressor::finish() {
    {
        std::lock_guard<std::mutex> l(mu_);
        ending_ = true;
    }
    can_take_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> l(mu_);
    if (failed_) return thread_error_locked();
    return ok();
}

}  // namespace vs::transfer
