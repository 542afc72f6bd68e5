// vkill's core: signal a guest's processes through pidfds, never a pid outside the guest.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::procview {

/// Which guest a live process is in: its name, or nullopt for the host (context 0).
/// Reads /proc/PID/cgroup, so the answer is about whichever task holds PID at that moment.
Result<std::optional<std::string>> guest_of_pid(const config::Paths& paths, pid_t pid);

/// Signals `pid` only if it belongs to `guest`: pidfd_open first, then check the cgroup, then
/// check the pidfd's process is still alive (so the /proc/PID/cgroup we read was its own: a
/// pid is not reused while its holder exists), then pidfd_send_signal. A host pid or another
/// guest's pid is refused with EPERM and a message naming both.
Status signal_guest_pid(const config::Paths& paths, const std::string& guest, pid_t pid, int sig);

/// Signals every process of `guest` the same way, re-reading its cgroup until a pass finds no
/// process it has not signalled yet (children forked meanwhile). Returns how many were signalled.
Result<size_t> signal_guest(const config::Paths& paths, const std::string& guest, int sig);

/// "TERM", "SIGTERM", "term" or "15" -> 15; an error naming the text otherwise.
Result<int> parse_signal(const std::string& text);

}  // namespace vs::procview
