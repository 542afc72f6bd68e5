// The progress line of a long unification run: files, bytes, rate and ETA on a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace vs::unify {

class Progress {
public:
    /// Draws nothing unless `on` (the caller turns it on only when stderr is a tty).
    Progress(bool on, std::string phase, uint64_t files, uint64_t bytes);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// Thread-safe: the workers of a run share one progress line.
    void add(uint64_t files, uint64_t bytes);
    /// Ends the line (the summary follows on a clean line).
    void finish();

private:
    void draw(bool force);
    bool on_;
    std::string phase_;
    uint64_t total_files_, total_bytes_, files_ = 0, bytes_ = 0;
    std::chrono::steady_clock::time_point start_, last_;
    bool drawn_ = false;
    std::mutex mu_;
};

}  // namespace vs::unify
