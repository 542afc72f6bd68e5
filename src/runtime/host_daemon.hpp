// Host daemons started on demand (vs-consoled, lxcfs): one process for every guest, detached
// from the command that starts it, recorded by pid and start time in a file of its run dir.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::runtime::host_daemon {

struct Recorded {
    pid_t pid = 0;
    uint64_t start = 0;  ///< /proc/PID/stat field 22: with the pid, this process for good
};

/// The process recorded in `pid_file` ("PID STARTTIME"), if it still lives.
std::optional<Recorded> live(const std::string& pid_file);

/// Records `pid` (and its start time) in `pid_file`, replacing it atomically.
Result<Recorded> record(const std::string& pid_file, pid_t pid);

struct Spawn {
    std::vector<std::string> argv;  ///< argv[0] is looked up in PATH unless `exe` is set
    std::string exe;                ///< the program to run, e.g. /proc/self/exe
    int log_fd = -1;                ///< its stdout and stderr
    int fd3 = -1;                   ///< passed on as its fd 3 (a listening socket), or none
};

/// fork + exec of a daemon that outlives the caller and every guest: its own session, no
/// terminal, stdin /dev/null, default signal mask, fds above 2 (3 with `fd3`) closed, and an
/// oom_score_adj of -1000 (its death would break every guest it serves). Returns its pid; an
/// exec that fails ends the child with 127.
Result<pid_t> spawn(const Spawn& what);

}  // namespace vs::runtime::host_daemon
