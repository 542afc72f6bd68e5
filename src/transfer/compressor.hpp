// Compressor: a byte stream compressed on threads of their own into a file descriptor, so that
// reading a tree, compressing its archive and writing it overlap (as `tar | zstd` do) and the
// compression uses every core.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.hpp"
#include "transfer/layout.hpp"

namespace vs::transfer {

/// The stream is cut into chunks, each compressed independently by one of the workers into a
/// complete zstd frame (libzstd), gzip member (zlib) or xz stream (libarchive's raw format with
/// its filter), and
/// a writer thread writes them in order: concatenated frames, members or streams are one valid
/// file for zstd, gzip, xz, libarchive and GNU tar alike.
class Compressor {
public:
    /// Starts the workers and the writer for `c` (not None), writing to `fd`. `what` names the
    /// file in errors.
    static Result<std::unique_ptr<Compressor>> start(int fd, Compression c,
                                                     const std::string& what);
    /// Stops the threads; what was not yet written is dropped.
    ~Compressor();
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;

    /// Appends `data` to the stream (waits while too many chunks are in flight). Fails with a
    /// worker's or the writer's error (ENOSPC, EIO...) once there is one.
    Status write(const void* data, size_t len);
    /// Compresses and writes what is left, joins the threads: the first error, if any.
    Status finish();
    /// Compressed bytes written so far.
    uint64_t written() const { return written_.load(std::memory_order_relaxed); }

private:
    struct Chunk {
        uint64_t seq = 0;
        std::vector<char> in, out;
        bool done = false;
    };
    Compressor() = default;
    Status submit_locked(std::unique_lock<std::mutex>& l);
    void work();
    void write_out();
    void fail_locked(int code, std::string msg);
    Status error_locked() const;
    struct Codec;
    /// `in` compressed into `out` (replaced) with the worker's `codec`, made on first use.
    Status compress(const std::vector<char>& in, std::vector<char>& out, Codec& codec) const;

    int fd_ = -1;
    uint64_t start_offset_ = 0;  ///< the file offset the compressed stream starts at
    Compression comp_ = Compression::None;
    std::string what_;
    size_t chunk_size_ = 0, max_in_flight_ = 0;
    std::vector<std::thread> workers_;
    std::thread writer_;
    std::mutex mu_;
    std::condition_variable changed_;
    std::vector<char> filling_;                 ///< the chunk write() appends to
    std::vector<std::vector<char>> spare_;      ///< input buffers given back, for reuse
    std::vector<std::vector<char>> spare_out_;  ///< output buffers given back, for reuse
    std::deque<std::shared_ptr<Chunk>> order_;  ///< every chunk in flight, in stream order
    std::deque<std::shared_ptr<Chunk>> todo_;   ///< those no worker took yet
    uint64_t next_seq_ = 0;
    bool ending_ = false, stop_ = false, failed_ = false;
    int err_code_ = 0;
    std::string err_;
    std::atomic<uint64_t> written_{0};
};

}  // namespace vs::transfer
