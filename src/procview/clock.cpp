// Clock: sysconf and clock_gettime, read once per tool run.
#include "procview/clock.hpp"

#include <time.h>
#include <unistd.h>

namespace vs::procview {

double Clock::since_boot() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Clock Clock::now() {
    Clock c;
    long hz = ::sysconf(_SC_CLK_TCK);
    if (hz > 0) c.hz = hz;
    long page = ::sysconf(_SC_PAGESIZE);
    if (page > 0) c.page = page;
    struct timespec rt {};
    ::clock_gettime(CLOCK_REALTIME, &rt);
    c.boot_unix =
        static_cast<double>(rt.tv_sec) + static_cast<double>(rt.tv_nsec) / 1e9 - since_boot();
    return c;
}

}  // namespace vs::procview
