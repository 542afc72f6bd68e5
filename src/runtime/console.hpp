// Guest consoles: the one vs-consoled daemon all guests share (started on demand under
// <run dir>/.console, like the lxcfs daemon), the hand-off of a guest's pty masters to it at
// start, `vserver NAME console` attaching a terminal, and what `status` says when it is gone.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "config/paths.hpp"

namespace vs::runtime::console {

/// <run dir>/.console: the daemon's socket, pid file, lock and its own log.
std::string dir(const config::Paths& paths);
/// <log dir>/NAME: the guest's console.log (and console.log.1).
std::string log_dir(const config::Paths& paths, const std::string& name);

/// Gives the daemon (started first when none runs, under a lock so concurrent starts make
/// one) the guest's pty masters: [0] its /dev/console, then its ttys; `init_pidfd` tells the
/// daemon when the guest has ended. Records the daemon in the guest's run dir for status.
Status hand_off(const config::Paths& paths, const std::string& name, int init_pidfd,
                const std::vector<UniqueFd>& masters);

/// Removes the record hand_off left in the guest's run dir.
void forget(const config::Paths& paths, const std::string& name);

/// `vserver NAME console [--tty N]`: attaches the terminal on stdin/stdout to pty `index`
/// (0: /dev/console, N: the guest's N-th tty) until Ctrl-] or the guest stops. One attacher
/// per pty: a second one is refused, naming the first one's pid.
Status attach(const config::Paths& paths, const std::string& name, int index);

/// For `status` of a running guest: "" when its console is served (or it has none), else
/// what is wrong and what to do.
std::string guest_problem(const config::Paths& paths, const std::string& name);

/// vs-consoled itself: serves the listening socket `listen_fd` (made by hand_off) in `dir`
/// until it has no guest left and no start is handing it one. Returns the exit code.
int daemon_main(int listen_fd, const std::string& dir);

}  // namespace vs::runtime::console
