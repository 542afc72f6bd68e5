// The OCI runtime's verbs (what `vsrun` runs): each takes the runtime options and an id, locks
// the id, loads its record, checks the status, acts and saves. The CLI (cli/cmd_vsrun*.cpp)
// only parses arguments and prints.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "runtime/oci/container.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime::oci {

struct CreateOptions {
    std::string bundle = ".";
    std::string pid_file;
    std::string console_socket;
    int preserve_fds = 0;
    bool no_pivot = false;
    bool no_new_keyring = false;
};

/// Builds the container and leaves its init waiting for `start`; returns the init's pid.
/// A failure leaves nothing: no state dir, cgroup, mount or process.
Result<pid_t> create(const Options& opt, const std::string& id, const CreateOptions& co);

/// Lets the waiting init exec the container's process (instant: one FIFO write).
Status start(const Options& opt, const std::string& id);

/// The state JSON of `id`.
Result<std::string> state(const Options& opt, const std::string& id);

/// Signal number of "TERM", "SIGTERM", "15", "sigkill", ...; EINVAL naming the text.
Result<int> parse_signal(const std::string& text);

/// Signals the init, or with `all` every process of the container's cgroup.
Status kill(const Options& opt, const std::string& id, int sig, bool all);

/// Removes a stopped (or created) container; `force` kills a running one first. A container
/// that does not exist is an error without `force`.
Status remove(const Options& opt, const std::string& id, bool force);

Status pause(const Options& opt, const std::string& id);
Status resume(const Options& opt, const std::string& id);

/// Pids of the container's processes (host view), sorted.
Result<std::vector<pid_t>> pids(const Options& opt, const std::string& id);

struct ListEntry {
    Record record;
    State state;
};
/// Every container under the root (an unreadable record is skipped with a warning).
Result<std::vector<ListEntry>> list(const Options& opt);

struct ExecOptions {
    std::string process_file;       ///< --process: a process JSON replacing all below
    std::vector<std::string> args;  ///< the command after the id
    bool detach = false;
    bool tty = false;
    std::string pid_file, console_socket, cwd, user;
    std::vector<std::string> env, caps;
    int preserve_fds = 0;
    /// --additional-gids: appended to the process's user.additionalGids (also with --process).
    std::vector<uint32_t> additional_gids;
    /// --no-new-privs[=BOOL]: overrides the process's noNewPrivileges (also with --process).
    std::optional<bool> no_new_privs;
    /// --ignore-paused: exec into a paused container too (the process runs once it resumes).
    bool ignore_paused = false;
};

/// Runs a process in a running container; returns its exit status, or 0 with `detach` once it
/// runs (its pid in --pid-file).
Result<int> exec(const Options& opt, const std::string& id, const ExecOptions& eo);

/// Applies `res` to the container's cgroup live (`update`); a created, running or paused
/// container. `devices` (linux.resources.devices of --resources), when given, replaces the
/// container's device rules: runc's defaults and its linux.devices stay allowed after them,
/// and the BPF device program is swapped in one step.
Status update(const Options& opt, const std::string& id, const spec::Resources& res,
              const std::optional<std::vector<spec::oci::DeviceRule>>& devices = std::nullopt);

/// runc's stats event of the container: {"type":"stats","id":...,"data":{cpu, memory, pids}}
/// from its cgroup (cpu in ns, memory in bytes; memory.raw.oom_kill: the processes the OOM
/// killer killed in it so far).
Result<std::string> stats_event(const Options& opt, const std::string& id);

/// `vsrun events` without --stats: a stats event every `interval_ms`, and {"type":"oom",
/// "id":ID} for each OOM kill in the container's memory cgroup as it happens, until the
/// container stops. Each event is one JSON text given to `emit`. An error only when the
/// container is not running at the start.
Status events(const Options& opt, const std::string& id, uint64_t interval_ms,
              const std::function<void(const std::string&)>& emit);

/// `vsrun run`: create + start; without `detach` waits for the process and deletes the
/// container, returning its exit status (128 + signal when killed). With `keep` the stopped
/// container stays for `state` and `delete`; a create or start that fails is undone either way.
Result<int> run(const Options& opt, const std::string& id, const CreateOptions& co, bool detach,
                bool keep = false);

}  // namespace vs::runtime::oci
