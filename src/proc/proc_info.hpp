// Reading what the kernel says about a process: start time (/proc/PID/stat field 22), NSpid.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::proc {

/// Field 22 (starttime, clock ticks since boot) of a /proc/PID/stat text. The comm field may
/// contain spaces and parentheses, so fields are counted from the last ')'.
Result<uint64_t> parse_start_time(std::string_view stat_text);

/// The start time of `pid`: with the pid it identifies a process for good (pids are reused,
/// the pair is not).
Result<uint64_t> start_time(pid_t pid);

/// Field 3 (state: R, S, D, Z, X, ...) of a /proc/PID/stat text.
Result<char> parse_state(std::string_view stat_text);

/// What start watches of a process that just exec'd its program (runtime/start.cpp).
struct RunSample {
    char state = '?';        ///< field 3: R, S, D, Z, ...
    bool exiting = false;    ///< field 9 (flags) has PF_EXITING: it is in do_exit(), going
    uint64_t cpu_ticks = 0;  ///< fields 14 + 15: utime + stime, in clock ticks
};
Result<RunSample> parse_run_sample(std::string_view stat_text);
Result<RunSample> run_sample(pid_t pid);

/// True while `pid` is stopped by a signal (state T) or held by a tracer (t), proc(5).
bool is_stopped(pid_t pid);

/// True when `pid` exists with start time `start`, and is not a zombie (an exited process whose
/// parent has not reaped it yet is gone for every purpose of ours).
bool is_alive(pid_t pid, uint64_t start);

/// The NSpid line of a /proc/PID/status text: the pid in each nested pid namespace, outermost
/// first (so back() == 1 for a namespace's init).
Result<std::vector<pid_t>> parse_nspid(std::string_view status_text);
Result<std::vector<pid_t>> nspid(pid_t pid);

/// The host pids of every process in the pid namespace of `member` (itself included), sorted:
/// what a container without a cgroup of its own holds. A process the caller may not inspect
/// (/proc/PID/ns/pid, ptrace access mode read) is left out.
Result<std::vector<pid_t>> pid_namespace_members(pid_t member);

/// Seconds since boot (CLOCK_BOOTTIME) and the clock tick rate, to turn start times into ages.
double uptime_seconds();
long clock_ticks();

}  // namespace vs::proc
