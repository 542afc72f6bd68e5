// Compressor: chunks compressed by workers (zstd and zlib directly, each worker reusing its
// context; xz through libarchive's raw format) and written in order by a writer thread.
#include "transfer/compressor.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

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

// One worker's compression context, made once and reset per chunk: a zstd context or a deflate
// stream costs allocations of a few MiB (and their page faults) that one chunk per context
// would pay again and again.
struct Compressor::Codec {
    ZSTD_CCtx* zstd = nullptr;
    z_stream gz{};
    bool gz_ready = false;
    ~Codec() {
        if (zstd) ZSTD_freeCCtx(zstd);
        if (gz_ready) deflateEnd(&gz);
    }
};

Result<std::unique_ptr<Compressor>> Compressor::start(int fd, Compression c,
                                                      const std::string& what) {
    if (c == Compression::None) return make_error(EINVAL, "internal: no compression for {}", what);
    std::unique_ptr<Compressor> z(new Compressor);
    z->fd_ = fd;
    const off_t at = ::lseek(fd, 0, SEEK_CUR);
    z->start_offset_ = at > 0 ? uint64_t(at) : 0;
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
    // A first chunk compressed here: a codec that cannot be set up fails now, not later.
    {
        Codec probe;
        std::vector<char> out;
        VS_TRY(z->compress({}, out, probe));
    }
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

Status Compressor::compress(const std::vector<char>& in, std::vector<char>& out,
                            Codec& codec) const {
    out.clear();
    if (comp_ == Compression::Zstd) {
        if (!codec.zstd) {
            codec.zstd = ZSTD_createCCtx();
            if (!codec.zstd) return make_error(ENOMEM, "compress \"{}\": no zstd context", what_);
            // Level 3, zstd's and tar --zstd's default: bench/ compares at equal compression.
            ZSTD_CCtx_setParameter(codec.zstd, ZSTD_c_compressionLevel, 3);
        }
        out.resize(ZSTD_compressBound(in.size()));
        const size_t n = ZSTD_compress2(codec.zstd, out.data(), out.size(), in.data(), in.size());
        if (ZSTD_isError(n))
            return make_error(EIO, "compress \"{}\": {}", what_, ZSTD_getErrorName(n));
        out.resize(n);
        return ok();
    }
    if (comp_ == Compression::Gzip) {
        if (!codec.gz_ready) {
            // windowBits 15 + 16: a gzip member (RFC 1952) rather than a zlib stream; level 6,
            // gzip's and GNU tar's.
            if (deflateInit2(&codec.gz, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return make_error(ENOMEM, "compress \"{}\": no deflate stream", what_);
            codec.gz_ready = true;
        } else if (deflateReset(&codec.gz) != Z_OK) {
            return make_error(EIO, "compress \"{}\": deflateReset failed", what_);
        }
        out.resize(deflateBound(&codec.gz, uLong(in.size())));
        codec.gz.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        codec.gz.avail_in = uInt(in.size());
        codec.gz.next_out = reinterpret_cast<Bytef*>(out.data());
        codec.gz.avail_out = uInt(out.size());
        if (deflate(&codec.gz, Z_FINISH) != Z_STREAM_END)
            return make_error(EIO, "compress \"{}\": deflate: {}", what_,
                              codec.gz.msg ? codec.gz.msg : "output too small");
        out.resize(out.size() - codec.gz.avail_out);
        return ok();
    }
    // xz: libarchive's raw format with its filter (one worker; its encoder takes about 94 MiB).
    out.reserve(in.size() / 2 + 4096);
    std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
    archive_write_set_format_raw(a.get());
    if (archive_write_add_filter_xz(a.get()) != ARCHIVE_OK)
        return make_error(EINVAL, "archive \"{}\": {}", what_, lib_err(a.get()));
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
    return ok();
}

Status Compressor::submit_locked(std::unique_lock<std::mutex>& l) {
    changed_.wait(l, [&] { return failed_ || order_.size() < max_in_flight_; });
    if (failed_) return error_locked();
    auto c = std::make_shared<Chunk>();
    c->seq = next_seq_++;
    c->in.swap(filling_);
    // A buffer a written chunk gave back: no fresh pages to fault in per chunk.
    if (!spare_.empty()) {
        filling_.swap(spare_.back());
        spare_.pop_back();
    }
    filling_.clear();
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
    Codec codec;
    std::vector<char> out;
    for (;;) {
        std::shared_ptr<Chunk> c;
        {
            std::unique_lock<std::mutex> l(mu_);
            changed_.wait(l, [&] { return stop_ || failed_ || ending_ || !todo_.empty(); });
            if (stop_ || failed_) return;
            if (todo_.empty()) return;  // ending_, nothing left to take
            c = todo_.front();
            todo_.pop_front();
            if (out.capacity() == 0 && !spare_out_.empty()) {
                out.swap(spare_out_.back());
                spare_out_.pop_back();
            }
        }
        auto r = compress(c->in, out, codec);
        std::lock_guard<std::mutex> l(mu_);
        if (!r) {
            fail_locked(r.error().code, r.error().message);
        } else {
            c->out.swap(out);
            spare_.push_back(std::move(c->in));
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
        if (w && !c->out.empty()) {
            // The archive is fsynced before it is renamed in: its writeback starts now, chunk by
            // chunk, without waiting (sync_file_range(2) SYNC_FILE_RANGE_WRITE), so that the
            // disk writes while the rest is compressed and the fsync finds little left.
            const uint64_t end = written_.load(std::memory_order_relaxed) + c->out.size();
            (void)::sync_file_range(fd_, off64_t(start_offset_ + end - c->out.size()),
                                    off64_t(c->out.size()), SYNC_FILE_RANGE_WRITE);
        }
        std::lock_guard<std::mutex> l(mu_);
        if (!w) {
            fail_locked(w.error().code,
                        fmt::format("write \"{}\": {}", what_, std::strerror(w.error().code)));
        } else {
            written_.fetch_add(c->out.size(), std::memory_order_relaxed);
            order_.pop_front();
            c->out.clear();
            spare_out_.push_back(std::move(c->out));
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
