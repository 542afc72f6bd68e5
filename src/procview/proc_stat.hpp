// ProcStat: one process as read from /proc/PID/stat (pure parser, no syscalls).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vs::procview {

struct ProcStat {
    pid_t pid = 0;
    pid_t ppid = 0;
    char state = '?';
    std::string comm;  ///< task name, may contain spaces and ')' (proc(5))
    pid_t pgrp = 0, session = 0;
    int tty_nr = 0;
    uint64_t utime_ticks = 0;  ///< user cpu time, clock ticks (sysconf(_SC_CLK_TCK))
    uint64_t stime_ticks = 0;
    int64_t nice = 0;
    int64_t threads = 0;
    uint64_t start_ticks = 0;  ///< start time since boot, clock ticks
    uint64_t vsize_bytes = 0;
    uint64_t rss_pages = 0;
};

/// Parses the text of /proc/PID/stat. comm is found by the LAST ')' because a process may name
/// itself "a) R 1 (" and fool a parser that stops at the first one.
std::optional<ProcStat> parse_stat(std::string_view text);

}  // namespace vs::procview
