// The lifecycle verbs of vserver-ng (`vserver NAME start|stop|...`): each locks the guest,
// loads its state, checks, acts and saves (DESIGN.md §2, L3). The CLI calls only these.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"
#include "state/status.hpp"

namespace vs::runtime {

/// Validates NAME, checks that its config dir exists and loads + validates its config.
/// Every failure here is bad input (CLI exit 2) and nothing has been created.
Result<spec::GuestSpec> load_guest(const config::Paths& paths, const std::string& name);

/// ENOENT "guest \"NAME\" does not exist (no config dir \"DIR\")" when NAME has no config dir:
/// the one message every verb but build gives for a missing guest (CLI exit 2).
Status guest_exists(const config::Paths& paths, const std::string& name);

struct StartOptions {
    /// `start --rescue CMD ARGS`: run CMD as PID 1 instead of the configured init.
    std::vector<std::string> rescue_cmd;
};

/// Starts the guest: hooks initialize/prepre-start, cgroup, pre-start hooks, init in new
/// namespaces inside the cgroup, network, state, the boot (sysv rc, cmd.start-sync) waited for
/// within apps/init/timeout, post-start hooks. Returns success only with the init running;
/// once it returns nothing of ours runs on the host for the guest. Any failure rolls
/// everything back. "already running" when it is; refused while another running guest has
/// the same context or root (runtime/identity.hpp).
Status start(const config::Paths& paths, const spec::GuestSpec& spec, const StartOptions& opt = {});

/// Stops the guest: pre-stop hooks, the init style's stop commands inside (each bounded by
/// apps/init/timeout; past it the guest is killed), apps/init/killseq over the cgroup (a frozen
/// guest is killed at once), cgroup kill, network teardown, cgroup removal, state and claims
/// cleared, post-stop hooks. Also repairs what an interrupted start or stop left. "not
/// running" when there is nothing.
Status stop(const config::Paths& paths, const spec::GuestSpec& spec);

/// The pids.max a guest gets when its config sets none (limits/pids.max, rlimits/nproc):
/// systemd's DefaultTasksMax, 15% of min(kernel.pid_max, kernel.threads-max).
int64_t default_tasks_max();

Status restart(const config::Paths& paths, const spec::GuestSpec& spec);
/// restart when running; returns whether it did.
Result<bool> condrestart(const config::Paths& paths, const spec::GuestSpec& spec);

struct StatusReport {
    state::RunStatus status = state::RunStatus::Stopped;
    uint32_t context = 0;
    size_t processes = 0;
    double uptime_s = 0;
    std::string detail;   ///< a line explaining leftovers, if any
    std::string warning;  ///< running, but something it relies on is gone (lxcfs), and the fix
    /// running, and i386 socketcall(2) can reach the socket families the seccomp filter refuses
    /// (the kernel cannot run the BPF LSM guard): why, and the fix
    std::string socket_guard_gap;
    pid_t init_pid = 0;  ///< running: the guest's init
    uint64_t init_start_time = 0;
};
/// Never blocks on a start/stop in progress and never changes anything.
Result<StatusReport> status(const config::Paths& paths, const std::string& name);
/// Whether the running guest of `report` is classic: its init in the host's user namespace (no
/// `userns` file when it started), so guest root is the host's kernel uid 0 and can use up host
/// root's per-uid kernel limits (docs/security.md). What runs, not what the config says now;
/// false when it does not run. Apart from status() as only `status`'s text needs it.
bool runs_classic(const StatusReport& report);

struct ExecRequest {
    std::vector<std::string> argv;  ///< argv[0] found through PATH inside the guest
    std::string user;               ///< "" = root; a name (guest /etc/passwd) or a number
    bool tty = false;               ///< a pty from the guest's devpts, proxied on the host
};
/// Loads the guest's spec (load_guest with the caller's reporting); exec and enter call it only
/// when the running guest has no usable join profile (runtime/join_profile.hpp).
using SpecLoader = std::function<Result<spec::GuestSpec>()>;

/// Runs a command inside the running guest `name`: its namespaces, cgroup, root, capability
/// bounding set, seccomp filter and rlimits as it was started with, fds other than 0-2 closed.
/// Returns its exit status. Fails cleanly ("not running") when the guest is stopped.
Result<int> exec(const config::Paths& paths, const std::string& name, const SpecLoader& load_spec,
                 const ExecRequest& req);

/// The guest's shell (config `shell` at start, else /bin/bash -login, else /bin/sh -l), with a
/// pty when stdin is a terminal.
Result<int> enter(const config::Paths& paths, const std::string& name, const SpecLoader& load_spec);

/// Refuses any address of `spec` that another guest is configured with (its config read through
/// the registry; an unreadable one is an error naming it), that a running guest holds, or that
/// the host has. Build calls it before creating anything.
Status check_addresses(const config::Paths& paths, const spec::GuestSpec& spec);

/// `vserver NAME ip add|del|change`.
struct IpRequest {
    enum class Op { Add, Del, Change };
    Op op = Op::Add;
    std::string target;   ///< del, change: the address or the interfaces/<id> id acted on
    std::string address;  ///< add, change: IP[/PREFIX] (a prefix length or a netmask)
    /// add: dev, name, mode, gateway, mac, nodev and id ("" = one above the highest numeric
    /// id). Without dev, name and mode the address joins the guest's first enabled interface.
    spec::Interface iface;
};

/// Changes the guest's addresses under its lock (state::GuestLock): the change is written as
/// a config edit (config::vserver::prepare: every value checked, the whole new config loaded
/// and validated), checked against the addresses of other guests (configured or held) and of
/// the host; on a running guest it is applied live (net::apply_live), then saved
/// (config::vserver::commit). A failed live change saves nothing; a failed save undoes the live
/// change. Bad input (an address or id that does not parse or does not exist, a config the
/// change would make invalid, a missing guest) sets `*bad_input` (the CLI's exit 2); anything
/// else is a failure to act (a conflict, the live change, the save).
Status ip_change(const config::Paths& paths, const std::string& name, const IpRequest& req,
                 bool* bad_input = nullptr);

struct IpListing {
    spec::GuestSpec spec;    ///< the configured interfaces and default_dev
    bool running = false;    ///< the guest has live network state
    std::vector<bool> live;  ///< per spec.interfaces: the address is on the guest now
};
/// The configured addresses and, for a running guest, which are live. Changes nothing. A guest
/// that does not load sets `*bad_input`, as for ip_change.
Result<IpListing> ip_list(const config::Paths& paths, const std::string& name,
                          bool* bad_input = nullptr);

struct RemoveOptions {
    /// Detach proc, sysfs and devpts left mounted in the root (by debootstrap or a killed
    /// build); without it any mount there is refused. Other mounts are refused either way.
    bool force = false;
};
/// Stops the guest if needed, then removes its root (only when build made it, or it lies in the
/// roots directory; else it is left, with a warning naming it), cache dir, run dir and, last,
/// its config dir. Refuses, before changing anything, when a file system is mounted below the
/// root. The caller asks for confirmation.
Status remove(const config::Paths& paths, const spec::GuestSpec& spec,
              const RemoveOptions& opt = {});

/// The spec delete works from when the config cannot be loaded: the name, the config, root
/// (vdir) and cache paths and the defaults, so `delete --force` removes a guest whose config
/// has invalid values. NAME must be valid and its config dir present.
Result<spec::GuestSpec> spec_for_delete(const config::Paths& paths, const std::string& name);

}  // namespace vs::runtime
