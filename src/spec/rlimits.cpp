// The rlimit resource table (util-vserver lib/vlimit names, setrlimit(2) resources).
#include "spec/rlimits.hpp"

#include <sys/resource.h>

namespace vs::spec {

const std::vector<RlimitInfo>& rlimit_table() {
    static const char* kNoCounter =
        "a VServer context-wide counter with no mainline rlimit or cgroup equivalent";
    static const std::vector<RlimitInfo> t = {
        {"cpu", RLIMIT_CPU, false, nullptr},
        {"fsize", RLIMIT_FSIZE, false, nullptr},
        {"data", RLIMIT_DATA, false, nullptr},
        {"stack", RLIMIT_STACK, false, nullptr},
        {"core", RLIMIT_CORE, false, nullptr},
        {"rss", RLIMIT_RSS, true, nullptr},
        {"nproc", RLIMIT_NPROC, false, nullptr},
        {"nofile", RLIMIT_NOFILE, false, nullptr},
        {"memlock", RLIMIT_MEMLOCK, false, nullptr},
        {"as", RLIMIT_AS, true, nullptr},
        {"locks", RLIMIT_LOCKS, false, nullptr},
        {"sigpending", RLIMIT_SIGPENDING, false, nullptr},
        {"msgqueue", RLIMIT_MSGQUEUE, false, nullptr},
        {"nice", RLIMIT_NICE, false, nullptr},
        {"rtprio", RLIMIT_RTPRIO, false, nullptr},
        {"rttime", RLIMIT_RTTIME, false, nullptr},
        {"nsock", -1, false, kNoCounter},
        {"openfd", -1, false,
         "a VServer context-wide fd counter; use rlimits/nofile (per process)"},
        {"anon", -1, false, "a VServer context-wide counter; use limits/memory.max"},
        {"shmem", -1, false, "a VServer context-wide counter; use limits/memory.max"},
        {"semary", -1, false, kNoCounter},
        {"nsems", -1, false, kNoCounter},
        {"dentry", -1, false, kNoCounter},
    };
    return t;
}

const RlimitInfo* rlimit_info(std::string_view name) {
    for (const auto& r : rlimit_table())
        if (name == r.name) return &r;
    return nullptr;
}

}  // namespace vs::spec
