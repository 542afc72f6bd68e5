// One start in progress: what the phases of runtime::start() share, and the phases. start.cpp
// runs them and holds those up to the init's network; start_boot.cpp the wait for its exec and
// boot and the error for an init that died.
#pragma once

#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/scope_exit.hpp"
#include "base/unique_fd.hpp"
#include "cgroup/manager.hpp"
#include "config/paths.hpp"
#include "mount/plan.hpp"
#include "net/guest_network.hpp"
#include "proc/output_relay.hpp"
#include "proc/spawn.hpp"
#include "runtime/guest_init.hpp"
#include "runtime/init_command.hpp"
#include "runtime/rlimits.hpp"
#include "runtime/runtime.hpp"
#include "spec/guest_spec.hpp"
#include "state/guest_state.hpp"

namespace vs::runtime {

/// The guest's id range: userns "BASE COUNT", else 65536 ids at context * 65536, which never
/// overlaps another guest's (contexts are unique) nor the host's own ids (context >= 2).
Result<spec::IdMap> id_map(const spec::GuestSpec& spec);

/// `rb` is declared last, so its undo steps run while every member they refer to still exists.
struct GuestStart {
    const config::Paths& paths;
    const spec::GuestSpec& spec;
    const StartOptions& opt;
    const std::string& name;
    std::string run;
    int timeout_ms;  ///< apps/init/timeout per command; -1: none

    InitCommand init;
    std::vector<RlimitSetting> rlimits;
    UniqueFd helper;
    std::unique_ptr<cgroup::Manager> cg;
    state::GuestState st;
    InitPlan plan;
    UniqueFd cg2;
    std::optional<proc::OutputRelay> output;  // sysv: rc's stdout/stderr, shown by wait_boot
    std::optional<proc::Child> child;
    std::vector<cgroup::Manager::SelfJoin> self_join;  // the child's v1 cgroups, opened here
    UniqueFd rootfd;                                   // InitPlan::root_fd
    std::vector<UniqueFd> console_masters;  // the guest's console and ttys, for vs-consoled
    net::SetupContext nc;
    Rollback rb;

    GuestStart(const config::Paths& p, const spec::GuestSpec& s, const StartOptions& o)
        : paths(p),
          spec(s),
          opt(o),
          name(s.name),
          run(p.guest_run(s.name)),
          timeout_ms(s.init.timeout_s > 0 ? s.init.timeout_s * 1000 : -1) {}

    /// Everything that can be checked before anything is created (bad input -> nothing made).
    Status check();

    /// Under the guest lock: refuses a running guest, repairs what an interrupted start or
    /// stop left, applies disk limits (before the guest writes anything; idempotent), then
    /// claims the context and root and records the start (phase Starting).
    Status claim();

    /// The guest's cgroup with its limits; a guest without limits/pids.max (nor rlimits/nproc)
    /// gets default_tasks_max(), so a fork bomb cannot take every pid of the host.
    Status make_cgroup();

    /// The BPF LSM guard (lsm/socket_guard.hpp) on the guest's cgroup2 node, attached before
    /// any process of the guest exists: it refuses the socket families the seccomp filter
    /// refuses, on the i386 socketcall(2) path too. Where the kernel cannot run it the guest
    /// starts with the filter alone and the state records why, for `status`.
    Status guard_sockets();

    /// What the child executes: mounts, rlimits, seccomp program, hostname, PID 1's argv.
    Status plan_init();

    /// systemd's cgroup: the cgroup2 hierarchy (and name=systemd on v1/hybrid) writable, its
    /// dir and the files that move and delegate processes owned by the guest's root. The limit
    /// knobs (memory.max, pids.max, ...) stay the host root's, so the guest's systemd
    /// manages what is below its cgroup and cannot raise its own limits; the bind shows only
    /// the guest's own dir, so no other cgroup is reachable.
    Status delegate_cgroups(std::vector<mount::CgroupView>& views);

    /// The guest's first process, in new namespaces, born in its cgroup where the kernel can.
    Status spawn_init();

    /// A user-namespaced guest's id maps and idmapped root (so the guest's root owns the
    /// guest's files), then the network; the child builds its root meanwhile.
    Status connect_init();

    /// Go, then the child's report: Exec right before its execve, then EOF (the channel is
    /// close-on-exec). Bounded by apps/init/timeout (cmd.prepare runs in between).
    Status wait_exec();

    /// The console's pty masters go to vs-consoled, which reads them for the guest's whole
    /// life: from here on no write of the guest to its console waits for a reader.
    Status hand_off_console();

    /// The state says running (and names the init by pid and start time), after the join
    /// profile exec reads once it sees the guest running.
    Status record_running();

    /// sysv: "/etc/init.d/rc 3" runs to its end, its output on ours; then cmd.start-sync. Both
    /// under the lock (a concurrent stop waits for the boot) and bounded by apps/init/timeout:
    /// past it the start fails and the rollback stops the guest, as systemd fails a unit at
    /// TimeoutStartSec. A non-zero exit is a warning: the guest runs, its init reaps rc's
    /// leftovers.
    Status wait_boot();

    /// start returns 0 only for a guest that is running: an init that exits at once (a bad
    /// cmd.start, too small an rlimit, the OOM killer) fails the start here, however slow the
    /// CPU. A look at one instant would race such an init (it may still be loading when we
    /// look), so the init is watched until it has settled: it waits for something in an
    /// interruptible sleep (state S: wait4, poll, sigtimedwait, pause: what every init does once
    /// it is up) while not exiting (an exiting namespace init sleeps in S too, waiting for the
    /// rest of its pid namespace: zap_pid_ns_processes(), so PF_EXITING is checked), or it has
    /// used kSettleCpuSeconds of CPU without either (one that never sleeps is up too). A normal
    /// init is in S when first looked at, or within a step of the pidfd poll, which also wakes
    /// at once when it exits. Bounded by apps/init/timeout like the exec before it.
    Status check_running();

    /// The error for an init that is gone: its exit status or signal and the likely cause.
    /// `what` is a format with the guest's name and `arg`.
    Error died(const char* what, const std::string& arg);

    /// "; killed by the OOM killer: ..." from the cgroup's OOM kill count, or the rlimits that
    /// make an exec or an early allocation fail.
    std::string death_hint(const siginfo_t& si);

    /// poll(2) for `fd` until `deadline_ms` (monotonic; -1: none); false when it passed.
    static bool readable_by(int fd, int64_t deadline_ms);
};

}  // namespace vs::runtime
