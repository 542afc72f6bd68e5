// Compressor: chunks compressed by workers (libarchive raw format + filter into memory) and
// written in order by a writer thread.
#include "transfer/compressor.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "base/sys.hpp"

namespace vs::transfer {

namespace {

std::string lib_err(archive* a) {
    const char* s = archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

la_ssize_t append_out(archive*, void* out, const void* buf, size_t len) {
    auto* v = static_cast<std::vector<char>*>(out);
    v->insert(v->end(), static_cast<const char*>(buf), static_cast<const char*>(buf) + len);
    return la_ssize_t(len);
}

}  // namespace

Result<std::unique_ptr<Compressor>> Compressor::start(int fd, Compression c,
                                                      const std::string& what) {
    if (c == Compression::None) return make_error(EINVAL, "internal: no compression for {}", what);
    std::unique_ptr<Compressor> z(new Compressor);
    z->fd_ = fd;
    z->comp_ = c;
    z->what_ = what;
    // zstd's level 3 window is 2 MiB and gzip's 32 KiB: chunks of 4 MiB lose next to nothing
    // of the ratio. xz's level 6 dictionary is 8 MiB and its encoder takes about 94 MiB: larger
    // chunks, one at a time.
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    const unsigned n = c == Compression::Xz ? 1u : std::min(cpus, 4u);
    z->chunk_size_ = c == Compression::Xz ? (16u << 20) : (4u << 20);
    z->max_in_flight_ = 2 * n;
    z->filling_.reserve(z->chunk_size_);
    // A first chunk compressed here: a filter libarchive cannot set up fails now, not later.
    VS_TRY(z->compress({}));
    for (unsigned i = 0; i < n; ++i) z->workers_.emplace_back([p = z.get()] { p->work(); });
    z->writer_ = std::thread([p = z.get()] { p->write_out(); });
    return z;
}

Compressor::~Compressor() {
    {
        std::lock_guard<std::mutex> l(mu_);
        stop_ = true;
    }
    changed_.notify_all();
    for (auto& t : workers_)
        if (t.joinable()) t.join();
    if (writer_.joinable()) writer_.join();
}

void Compressor::fail_locked(int code, std::string msg) {
    if (failed_) return;
    failed_ = true;
    err_code_ = code ? code : EIO;
    err_ = std::move(msg);
}

Status Compressor::error_locked() const { return make_error(err_code_, "{}", err_); }

Result<std::vector<char>> Compressor::compress(const std::vector<char>& in) const {
    std::vector<char> out;
    out.reserve(in.size() / 2 + 4096);
    std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
    archive_write_set_format_raw(a.get());
    int r = ARCHIVE_FATAL;
    switch (comp_) {
        case Compression::Gzip:
            r = archive_write_add_filter_gzip(a.get());
            // gzip's and GNU tar's level: bench/ compares at equal compression.
            if (r == ARCHIVE_OK)
                r = archive_write_set_filter_option(a.get(), "gzip", "compression-level", "6");
            break;
        case Compression::Xz:
            r = archive_write_add_filter_xz(a.get());
            break;
        case Compression::Zstd:
            r = archive_write_add_filter_zstd(a.get());  // level 3, zstd's and tar --zstd's
            break;
        case Compression::None:
            break;
    }
    if (r != ARCHIVE_OK) return make_error(EINVAL, "archive \"{}\": {}", what_, lib_err(a.get()));
    archive_write_set_bytes_per_block(a.get(), 1 << 20);
    archive_write_set_bytes_in_last_block(a.get(), 1);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "data");
    archive_entry_set_filetype(e, AE_IFREG);
    if (archive_write_open(a.get(), &out, nullptr, append_out, nullptr) != ARCHIVE_OK ||
        archive_write_header(a.get(), e) != ARCHIVE_OK ||
        (!in.empty() &&
         archive_write_data(a.get(), in.data(), in.size()) != la_ssize_t(in.size())) ||
        archive_write_close(a.get()) != ARCHIVE_OK) {
        archive_entry_free(e);
        return make_error(archive_errno(a.get()) ? archive_errno(a.get()) : EIO,
                          "compress \"{}\": {}", what_, lib_err(a.get()));
    }
    archive_entry_free(e);
    return out;
}

Status Compressor::submit_locked(std::unique_lock<std::mutex>& l) {
    changed_.wait(l, [&] { return failed_ || order_.size() < max_in_flight_; });
    if (failed_) return error_locked();
    auto c = std::make_shared<Chunk>();
    c->seq = next_seq_++;
    c->in.swap(filling_);
    filling_.reserve(chunk_size_);
    order_.push_back(c);
    todo_.push_back(c);
    changed_.notify_all();
    return ok();
}

Status Compressor::write(const void* data, size_t len) {
    const char* p = static_cast<const char*>(data);
    std::unique_lock<std::mutex> l(mu_);
    if (failed_) return error_locked();
    while (len > 0) {
        const size_t take = std::min(len, chunk_size_ - filling_.size());
        filling_.insert(filling_.end(), p, p + take);
        p += take;
        len -= take;
        if (filling_.size() == chunk_size_) VS_TRY(submit_locked(l));
    }
    return ok();
}

void Compressor::work() {
    for (;;) {
        std::shared_ptr<Chunk> c;
        {
            std::unique_lock<std::mutex> l(mu_);
            changed_.wait(l, [&] { return stop_ || failed_ || ending_ || !todo_.empty(); });
            if (stop_ || failed_) return;
            if (todo_.empty()) return;  // ending_, nothing left to take
            c = todo_.front();
            todo_.pop_front();
        }
        auto out = compress(c->in);
        std::lock_guard<std::mutex> l(mu_);
        if (!out) {
            fail_locked(out.error().code, out.error().message);
        } else {
            c->out = std::move(*out);
            c->in = {};
            c->done = true;
        }
        changed_.notify_all();
    }
}

void Compressor::write_out() {
    for (;;) {
        std::shared_ptr<Chunk> c;
        {
            std::unique_lock<std::mutex> l(mu_);
            changed_.wait(l, [&] {
                return stop_ || failed_ || (!order_.empty() && order_.front()->done) ||
                       (ending_ && order_.empty());
            });
            if (stop_ || failed_ || order_.empty()) return;
            c = order_.front();
        }
        auto w = sys::write_all(fd_, std::string_view(c->out.data(), c->out.size()), what_);
        std::lock_guard<std::mutex> l(mu_);
        if (!w) {
            fail_locked(w.error().code,
                        fmt::format("write \"{}\": {}", what_, std::strerror(w.error().code)));
        } else {
            written_.fetch_add(c->out.size(), std::memory_order_relaxed);
            order_.pop_front();
        }
        changed_.notify_all();
    }
}

Status Compressor::finish() {
    {
        std::unique_lock<std::mutex> l(mu_);
        if (!filling_.empty()) VS_TRY(submit_locked(l));
        ending_ = true;
    }
    changed_.notify_all();
    for (auto& t : workers_)
        if (t.joinable()) t.join();
    if (writer_.joinable()) writer_.join();
    std::lock_guard<std::mutex> l(mu_);
    if (failed_) return error_locked();
    if (!order_.empty()) return make_error(EIO, "write \"{}\": chunks left unwritten", what_);
    return ok();
}

}  // namespace vs::transfer
