// cgroup v1 cpuacct controller: user and system cpu time of the guest.
#include <unistd.h>

#include "cgroup/cgroupfs.hpp"
#include "cgroup/v1/controllers.hpp"

namespace vs::cgroup::v1 {

Status read_cpuacct(const std::string& dir, Stats& s) {
    // cpuacct.stat counts in USER_HZ ticks (cgroup-v1/cpuacct.rst), whatever CONFIG_HZ is.
    long hz = ::sysconf(_SC_CLK_TCK);
    if (hz <= 0) hz = 100;
    const std::string f = dir + "/cpuacct.stat";
    if (auto v = VS_TRY(fs::read_key(f, "user"))) s.cpu_user_us = *v * 1000000 / uint64_t(hz);
    if (auto v = VS_TRY(fs::read_key(f, "system"))) s.cpu_system_us = *v * 1000000 / uint64_t(hz);
    return ok();
}

}  // namespace vs::cgroup::v1
