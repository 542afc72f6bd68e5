// Running a process inside a running guest (enter, exec, suexec, and the sysv stop command):
// its namespaces, cgroup, root and every restriction its init has.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "cgroup/manager.hpp"
#include "config/paths.hpp"
#include "runtime/join_profile.hpp"
#include "spec/guest_spec.hpp"
#include "state/guest_state.hpp"

namespace vs::runtime {

struct JoinRequest {
    std::vector<std::string> argv;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string home = "/root";
    std::string user = "root";
    bool tty = false;
    /// Seconds the command may take, its start included (0: no bound; not with tty). Past it
    /// the command's process is SIGKILLed (or vs-init, when the guest holds that process
    /// stopped before its execve) and the result is ETIMEDOUT (what it started stays in the
    /// guest).
    int timeout_s = 0;
    /// The command's whole environment (vsrun exec: process.env); unset: the profile's plus
    /// HOME, USER, LOGNAME (and TERM with tty).
    std::optional<std::vector<std::string>> env;
    /// vsrun exec --detach: return the command's pid as soon as it runs instead of waiting; it
    /// is our child, and the engine's shim (a subreaper) takes it over when we exit.
    bool detach = false;
    /// With tty: send the pty master over this connected unix socket (SCM_RIGHTS, vsrun's
    /// --console-socket) instead of proxying it to our stdin/stdout.
    int console_socket = -1;
    /// vsrun exec --preserve-fds N: our fds 3..3+N-1 (all open) reach the command at those
    /// numbers; every other fd above 2 is closed before it runs.
    int preserve_fds = 0;
};

/// The running guest's state, after checking that its init is alive and is the process the
/// state names (pid + start time); "guest NAME is not running" otherwise.
Result<state::GuestState> running_state(const config::Paths& paths, const std::string& name);

/// Resolves USER (a name from the guest's /etc/passwd, read inside the guest root `root`, or
/// a number) into `req`.
Status resolve_user(const std::string& root, const std::string& user, JoinRequest& req);

/// Runs argv in the guest through a sealed vs-init (`vs-init --join`, see join.cpp for why):
/// vs-init joins the init's namespaces and cgroups, confines itself like the init and forks the
/// command's process into the guest's pid namespace; we wait for that process (our child).
/// With tty, a pty from the guest's devpts is proxied to our stdin/stdout. Returns the
/// command's exit status (127: not found, 126: not executable), or with `detach` its pid.
Result<int> run_in_guest(const JoinProfile& profile, const state::GuestState& st,
                         const JoinRequest& req);
/// The same for start's and stop's own guest commands: the profile start saved in the run dir,
/// or one made from `spec` when that is missing or belongs to another run.
Result<int> run_in_guest(const spec::GuestSpec& spec, const state::GuestState& st,
                         cgroup::Manager& cg, const JoinRequest& req);

/// The commands start and stop run inside the guest and wait for (cmd.stop or the sysv stop
/// runlevel, cmd.start-sync, cmd.stop-sync), bounded by apps/init/timeout. A failure or a
/// non-zero exit is a warning naming `what` (the config file): the guest's state is decided by
/// then. Only the timeout is an error (ETIMEDOUT, naming `what` and the bound), for the caller
/// to escalate.
Status run_guest_command(const spec::GuestSpec& spec, const state::GuestState& st,
                         cgroup::Manager& cg, const std::vector<std::string>& argv,
                         const std::string& what);

}  // namespace vs::runtime
