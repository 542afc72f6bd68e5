// The monotonic clock in milliseconds, for deadlines (CLOCK_MONOTONIC: never jumps with the
// wall clock, clock_gettime(2)).
#pragma once

#include <time.h>

#include <cstdint>

namespace vs::sys {

inline int64_t monotonic_ms() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace vs::sys
