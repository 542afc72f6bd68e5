// Compressor: a byte stream compressed on a thread of its own into a file descriptor, so that
// reading a tree and compressing its archive overlap (as `tar | zstd` does with two processes).
#pragma once

#include <archive.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.hpp"
#include "transfer/layout.hpp"

namespace vs::transfer {

class Compressor {
public:
    /// Starts the thread: libarchive's "raw" format (the bytes as they are) with the filter
    /// for `c` (not None), writing to `fd`. `what` names the file in errors.
    static Result<std::unique_ptr<Compressor>> start(int fd, Compression c,
                                                     const std::string& what);
    /// Stops the thread; what was queued and not yet compressed is dropped.
    ~Compressor();
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;

    /// Queues a copy of `data` (waits while the queue is full). Fails with the thread's error
    /// (ENOSPC, EIO...) once it has one.
    Status write(const void* data, size_t len);
    /// Compresses what is queued, ends the stream and joins the thread: its error, if any.
    Status finish();
    /// Compressed bytes written so far.
    uint64_t written() const { return written_.load(std::memory_order_relaxed); }

private:
    Compressor() = default;
    void run();
    Status thread_error_locked() const;

    archive* a_ = nullptr;
    std::string what_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable can_put_, can_take_;
    std::deque<std::vector<char>> queue_;
    std::vector<std::vector<char>> spare_;  ///< buffers the thread handed back, for reuse
    bool ending_ = false, abort_ = false, failed_ = false;
    int err_code_ = 0;
    std::string err_;
    std::atomic<uint64_t> written_{0};
};

}  // namespace vs::transfer
