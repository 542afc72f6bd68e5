// vs-consoled's keeper: a second process that drains the guests' consoles while the daemon is
// stopped, so a SIGSTOPped (or debugger-held) daemon never blocks a guest's console writes.
#pragma once

#include <sys/types.h>

namespace vs::runtime::console {

/// Forks the keeper of the calling daemon (pid `daemon`). It polls the daemon's state twice a
/// second; once the daemon has been stopped (T or t in /proc/PID/stat) for a second, it takes
/// copies of the daemon's pty masters (pidfd_getfd(2)) and reads and discards what the guests
/// write until the daemon runs again, then says in the daemon's log how much it discarded.
/// It ends with the daemon. Returns false (said in the log) when it could not be started.
bool start_keeper(pid_t daemon);

}  // namespace vs::runtime::console
