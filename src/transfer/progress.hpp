// The progress line of backup, restore and copy: bytes, rate and ETA on a terminal, nothing
// otherwise.
#pragma once

#include <cstdint>
#include <string>

namespace vs::transfer {

/// CLOCK_MONOTONIC in nanoseconds: the clock of the progress line and of the summaries' durations.
int64_t monotonic_ns();

class Progress {
public:
    /// Draws on stderr only when `enabled` and stderr is a terminal. `total` 0: unknown (no ETA).
    Progress(std::string what, uint64_t total, bool enabled);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void set_total(uint64_t total) { total_ = total; }
    /// Adds `n` bytes done; redraws at most every 200 ms.
    void add(uint64_t n);
    /// Sets the bytes done (restore reads its position in the archive).
    void set(uint64_t done);
    /// Clears the line.
    void finish();

    uint64_t done() const { return done_; }
    /// Seconds since construction.
    double elapsed() const;

private:
    void draw(bool force);
    std::string what_;
    uint64_t total_ = 0, done_ = 0;
    bool on_ = false, drawn_ = false;
    int64_t start_ns_ = 0, last_ns_ = 0;
};

/// "1.5 GiB" style.
std::string human_bytes(double bytes);

}  // namespace vs::transfer
