// ProcessRef: pid + start time from /proc/<pid>/stat (proc(5)); netns fds from /proc.
#include "net/process_ref.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstdlib>

#include "base/sys.hpp"

namespace vs::net {

Result<ProcessRef> ProcessRef::of(pid_t pid) {
    auto stat = VS_TRY(sys::read_file(fmt::format("/proc/{}/stat", pid)));
    // The command name (field 2) may hold spaces and ')': fields restart after the last ')'.
    auto rp = stat.rfind(')');
    if (rp == std::string::npos) return make_error(EPROTO, "parse /proc/{}/stat", pid);
    const char* p = stat.c_str() + rp + 2;  // field 3
    for (int field = 3; field < 22 && *p; ++field) {
        while (*p && *p != ' ') ++p;
        while (*p == ' ') ++p;
    }
    char* end = nullptr;
    uint64_t st = std::strtoull(p, &end, 10);
    if (end == p) return make_error(EPROTO, "parse start time in /proc/{}/stat", pid);
    return ProcessRef{pid, st};
}

bool ProcessRef::alive() const {
    if (pid <= 0) return false;
    auto now = of(pid);
    return now && now->start_time == start_time;
}

Result<UniqueFd> open_netns(pid_t pid) {
    return sys::open(fmt::format("/proc/{}/ns/net", pid), O_RDONLY)
        .wrap("open the network namespace of pid {}", pid);
}

}  // namespace vs::net
