// Progress: one line redrawn at most five times a second with \r, cleared at the end.
#include "unify/progress.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "base/strings.hpp"

namespace vs::unify {

using namespace vs::str;  // NOLINT: the string helpers read better unqualified

Progress::Progress(bool on, std::string phase, uint64_t files, uint64_t bytes)
    : on_(on), phase_(std::move(phase)), total_files_(files), total_bytes_(bytes) {
    start_ = last_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

void Progress::add(uint64_t files, uint64_t bytes) {
    if (!on_) return;
    std::lock_guard<std::mutex> lock(mu_);
    files_ += files;
    bytes_ += bytes;
    draw(false);
}

void Progress::draw(bool force) {
    if (!on_) return;
    auto now = std::chrono::steady_clock::now();
    // The first call draws at once, so that even a short run shows what it does.
    if (!force && drawn_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(bytes_) / secs : 0;
    std::string eta = "--:--";
    if (rate > 0 && total_bytes_ > bytes_) {
        auto left = static_cast<uint64_t>(static_cast<double>(total_bytes_ - bytes_) / rate);
        eta = fmt::format("{:02}:{:02}", left / 60, left % 60);
    }
    fmt::print(stderr, "\r\033[K{}: {}/{} files, {}/{}, {}/s, ETA {}", phase_, files_, total_files_,
               human_bytes(bytes_), human_bytes(total_bytes_),
               human_bytes(static_cast<uint64_t>(rate)), eta);
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish() {
    if (!on_ || !drawn_) return;
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace vs::unify
