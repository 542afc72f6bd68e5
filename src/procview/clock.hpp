// Units of /proc numbers: clock ticks, page size, time since boot.
#pragma once

#include <cstdint>

namespace vs::procview {

struct Clock {
    long hz = 100;         ///< sysconf(_SC_CLK_TCK): unit of utime/stime/starttime
    long page = 4096;      ///< unit of rss in /proc/PID/stat
    double boot_unix = 0;  ///< wall-clock time of boot (realtime - boottime)

    static Clock now();
    /// Seconds since boot (CLOCK_BOOTTIME: the clock starttime is measured on, time-namespace
    /// aware like /proc/PID/stat itself).
    static double since_boot();

    uint64_t ticks_to_ms(uint64_t t) const { return t * 1000 / static_cast<uint64_t>(hz); }
    double ticks_to_s(uint64_t t) const { return static_cast<double>(t) / static_cast<double>(hz); }
};

}  // namespace vs::procview
