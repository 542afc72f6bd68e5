// Scanner: the fast /proc walker behind vps --json, vtop, vpstree and vserver-stat.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "procview/proc_stat.hpp"

namespace vs::procview {

/// One process: its stat line plus what the caller asked for.
struct Proc {
    ProcStat stat;
    uid_t uid = 0;        ///< owner of /proc/PID (the effective uid, proc(5))
    std::string cmdline;  ///< argv joined by spaces; empty for kernel threads or if not read
    bool kernel_thread = false;
};

struct ScanOptions {
    std::string proc_root = "/proc";
    bool cmdline = false;  ///< also read /proc/PID/cmdline (one more open+read per process)
    /// Keep every /proc/PID/stat open between scans and pread it: a refresh then costs one
    /// syscall per process instead of three. The fd stays bound to that very task, so a reused
    /// pid reads as an error and is reopened, never as the new process's data.
    bool keep_fds = false;
};

class Scanner {
public:
    static Result<Scanner> open(ScanOptions opt = {});

    /// Every numeric entry of /proc (processes, not threads), in directory order.
    std::vector<pid_t> list_pids();
    /// One process; nullopt if it is gone or unreadable (processes exit while we read).
    std::optional<Proc> read(pid_t pid);
    /// list_pids() + read() for each; with keep_fds, also drops fds of processes that are gone.
    std::vector<Proc> scan();
    /// Closes cached fds of pids not in `alive` (sorted or not).
    void prune(const std::vector<pid_t>& alive);

    size_t cached_fds() const { return fds_.size(); }

private:
    explicit Scanner(ScanOptions opt, UniqueFd proc)
        : opt_(std::move(opt)), proc_(std::move(proc)) {}
    int stat_fd(pid_t pid, bool& fresh);

    ScanOptions opt_;
    UniqueFd proc_;
    std::unordered_map<pid_t, UniqueFd> fds_;
    std::unordered_map<pid_t, uid_t> uids_;  ///< with keep_fds: uid read when the fd was opened
    size_t fd_budget_ = 0;
};

}  // namespace vs::procview
