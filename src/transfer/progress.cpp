// Progress line drawn with \r on stderr (a terminal only).
#include "transfer/progress.hpp"

#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

namespace vs::transfer {

int64_t monotonic_ns() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string human_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (b >= 1024 && u < 6) {
        b /= 1024;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.1f} {}", b, units[u]);
}

Progress::Progress(std::string what, uint64_t total, bool enabled)
    : what_(std::move(what)), total_(total), on_(enabled && ::isatty(STDERR_FILENO)) {
    start_ns_ = last_ns_ = monotonic_ns();
}

Progress::~Progress() { finish(); }

double Progress::elapsed() const { return double(monotonic_ns() - start_ns_) / 1e9; }

void Progress::add(uint64_t n) {
    done_ += n;
    draw(false);
}

void Progress::set(uint64_t done) {
    done_ = done;
    draw(false);
}

void Progress::draw(bool force) {
    if (!on_) return;
    const int64_t t = monotonic_ns();
    // The first update draws at once (a short operation shows its line too), then at most
    // five redraws a second.
    if (!force && drawn_ && t - last_ns_ < 200000000) return;
    last_ns_ = t;
    const double secs = double(t - start_ns_) / 1e9;
    const double rate = secs > 0 ? double(done_) / secs : 0;
    std::string line = fmt::format("{}: {}", what_, human_bytes(double(done_)));
    if (total_) {
        const double pct = total_ ? 100.0 * double(done_) / double(total_) : 0;
        line += fmt::format(" / {} ({:.0f}%)", human_bytes(double(total_)), pct > 100 ? 100 : pct);
    }
    line += fmt::format(", {}/s", human_bytes(rate));
    if (total_ && rate > 0 && done_ < total_) {
        const auto eta = uint64_t(double(total_ - done_) / rate);
        line += fmt::format(", ETA {}:{:02}", eta / 60, eta % 60);
    }
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish() {
    if (drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        drawn_ = false;
    }
}

}  // namespace vs::transfer
