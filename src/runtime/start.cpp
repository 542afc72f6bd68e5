// start: checks, lock and repair, identity claims, hooks, cgroup, init in new namespaces,
// network, the boot waited for (bounded), the init checked alive, state; each a named phase
// with its undo, so a failure anywhere leaves the host as it was.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/addresses.hpp"
#include "mount/idmap.hpp"
#include "mount/plan.hpp"
#include "mount/root_check.hpp"
#include "net/guest_network.hpp"
#include "ns/join.hpp"
#include "ns/uts.hpp"
#include "proc/output_relay.hpp"
#include "proc/proc_info.hpp"
#include "proc/sealed_exec.hpp"
#include "proc/spawn.hpp"
#include "runtime/cgroup_view.hpp"
#include "runtime/confine.hpp"
#include "runtime/guest.hpp"
#include "runtime/guest_init.hpp"
#include "runtime/hooks.hpp"
#include "runtime/identity.hpp"
#include "runtime/init_command.hpp"
#include "runtime/join.hpp"
#include "runtime/join_profile.hpp"
#include "runtime/lxcfs.hpp"
#include "runtime/runtime.hpp"
#include "spec/init_style.hpp"
#include "state/lock.hpp"
#include "store/disk_limits.hpp"

namespace vs::runtime {

int64_t default_tasks_max() {
    // systemd's DefaultTasksMax: 15% of the smaller of kernel.pid_max and kernel.threads-max
    // (systemd-system.conf(5)), so one guest's fork bomb leaves the host most of its pids.
    int64_t lim = 4194304;  // PID_MAX_LIMIT on 64-bit, when /proc/sys cannot be read
    for (const char* f : {"/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"})
        if (auto t = sys::read_file(f))
            if (auto v = str::parse_u64(str::trim(*t)); v && *v > 0)
                lim = std::min(lim, static_cast<int64_t>(*v));
    return std::max<int64_t>(lim * 15 / 100, 1);
}

namespace {

int64_t now_ms() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

/// The guest's id range: userns "BASE COUNT", else 65536 ids at context * 65536, which never
/// overlaps another guest's (contexts are unique) nor the host's own ids (context >= 2).
Result<spec::IdMap> id_map(const spec::GuestSpec& spec) {
    if (spec.idmap) return *spec.idmap;
    if (!spec.context)
        return make_error(
            EINVAL,
            "guest \"{}\": userns needs a context or an explicit id map (userns: BASE COUNT)",
            spec.name);
    return spec::IdMap{*spec.context * 65536u, 65536u};
}

/// Style sysv without --rescue: its command is a boot script that ends, so start shows its
/// output and waits for it, as util-vserver's start does (its init command runs in the
/// foreground). A reaper's cmd.start or a plain init runs for the guest's whole life.
bool shows_init_output(const spec::GuestSpec& spec, const StartOptions& opt) {
    return opt.rescue_cmd.empty() && spec.init.style == spec::InitStyle::Sysv;
}

/// The command as the admin knows it: what follows vs-init's "--".
std::string admin_command(const std::vector<std::string>& plan_argv) {
    auto dash = std::find(plan_argv.begin(), plan_argv.end(), "--");
    std::vector<std::string> cmd(dash == plan_argv.end() ? plan_argv.begin() : dash + 1,
                                 plan_argv.end());
    return str::join(cmd, " ");
}

std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? fmt::format("signal {} (SIG{})", sig, abbrev) : fmt::format("signal {}", sig);
}

/// One start in progress: what its phases share. `rb` is declared last, so its undo steps run
/// while every member they refer to still exists.
struct Start {
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
    net::SetupContext nc;
    Rollback rb;

    Start(const config::Paths& p, const spec::GuestSpec& s, const StartOptions& o)
        : paths(p),
          spec(s),
          opt(o),
          name(s.name),
          run(p.guest_run(s.name)),
          timeout_ms(s.init.timeout_s > 0 ? s.init.timeout_s * 1000 : -1) {}

    /// Everything that can be checked before anything is created (bad input -> nothing made).
    Status check() {
        if (!sys::is_dir(spec.root))
            return make_error(ENOENT, "guest root \"{}\" does not exist or is not a directory",
                              spec.root);
        VS_TRY(mount::check_root(spec.root));
        rlimits = VS_TRY(plan_rlimits(spec));
        if (spec.ns.user) VS_TRY(id_map(spec));
        init = VS_TRY(init_command(spec, opt.rescue_cmd));
        if (init.use_helper) {
            auto path = VS_TRY(helper_path());
            helper = VS_TRY(proc::sealed_copy(path));
        }
        return ok();
    }

    /// Under the guest lock: refuses a running guest, repairs what an interrupted start or
    /// stop left, applies disk limits (before the guest writes anything; idempotent), then
    /// claims the context and root and records the start (phase Starting).
    Status claim() {
        cg = VS_TRY(open_cgroup(paths, name));
        auto d = state::derive(observe(paths, name, cg.get(), true));
        if (d.status == state::RunStatus::Running)
            return make_error(0, "guest \"{}\" is already running", name);
        if (d.needs_cleanup) {
            log::info("guest \"{}\": cleaning up after an interrupted start or stop", name);
            VS_TRY(cleanup(paths, spec, *cg).wrap("repair guest \"{}\"", name));
        }
        VS_TRY(store::apply_disk_limits(spec).wrap("disk limits of guest \"{}\"", name));
        st.name = name;
        st.phase = state::Phase::Starting;
        st.context = spec.context.value_or(0);
        st.started_at = static_cast<int64_t>(std::time(nullptr));
        st.init_style = opt.rescue_cmd.empty() ? spec::init_style_name(spec.init.style) : "rescue";
        st.cgroup_layout = cgroup::layout_name(cg->layout());
        st.root = spec.root;
        VS_TRY(claim_identity(paths, spec, [&] { return state::save(run, st); }));
        rb.add([&] {
            release_identity(paths, name);
            (void)state::clear(run);
        });
        return fault_point("after-state");
    }

    /// The guest's cgroup with its limits; a guest without limits/pids.max (nor rlimits/nproc)
    /// gets default_tasks_max(), so a fork bomb cannot take every pid of the host.
    Status make_cgroup() {
        VS_TRY(cg->create().wrap("create the cgroup of guest \"{}\"", name));
        rb.add([&] {
            (void)cg->kill_all();
            if (auto r = cg->destroy(); !r) log::warn("rollback: {}", r.error().what());
            cg->remove_unused_parents();  // a failed first start leaves no parent either
        });
        spec::Resources res = spec.resources;
        if (!res.pids_max) res.pids_max = default_tasks_max();
        VS_TRY(cg->apply(res).wrap("cgroup limits of guest \"{}\"", name));
        st.cgroup2_path = cg->unified_path();
        return fault_point("after-cgroup");
    }

    /// What the child executes: mounts, rlimits, seccomp program, hostname, PID 1's argv.
    Status plan_init() {
        plan.spec = &spec;
        mount::GuestMounts gm;
        gm.root = spec.root;
        gm.own_netns = spec.ns.net;
        gm.userns = spec.ns.user;
        gm.fstab = spec.fstab;
        gm.cgroups = cgroup_views(paths, name, *cg);
        if (spec.init.style == spec::InitStyle::Systemd && opt.rescue_cmd.empty()) {
            VS_TRY(delegate_cgroups(gm.cgroups));
        }
        if (lxcfs::wanted(spec))
            gm.lxcfs = {VS_TRY(lxcfs::ensure(paths).wrap("guest \"{}\" (cflags virt_*)", name)),
                        spec.flags.virt_mem, spec.flags.virt_cpu, spec.flags.virt_load};
        plan.mounts = VS_TRY(mount::build_plan(gm).wrap("mounts of guest \"{}\"", name));
        plan.lxcfs_dir = gm.lxcfs.dir;
        plan.rlimits = rlimits;
        plan.filter = VS_TRY(guest_filter(paths, spec));
        plan.nodename = ns::effective_nodename(spec.nodename, name);
        plan.argv = init.argv;
        plan.env = spec.init.environment;
        if (spec.init.style == spec::InitStyle::Systemd && opt.rescue_cmd.empty()) {
            // systemd detects a container by $container as PID 1 and writes
            // /run/systemd/container from it for the guest's other programs.
            bool have = false;
            for (auto& e : plan.env) have = have || str::starts_with(e, "container=");
            if (!have) plan.env.push_back("container=vserver-ng");
        }
        plan.helper_fd = helper.get();
        if (plan.helper_fd >= 0 && shows_init_output(spec, opt)) {
            // vs-init (plan.argv = {"vs-init", "--", ...}) gives its command the relay's pipes
            // and reports its exit; its options come before the "--".
            output = VS_TRY(proc::OutputRelay::make());
            plan.argv.insert(plan.argv.begin() + 1, {"--output", output->peer_arg()});
            auto fds = output->peer_fds();
            plan.inherit_fds.insert(plan.inherit_fds.end(), fds.begin(), fds.end());
        }
        if (spec.ns.user)
            plan.ping_group_range = fmt::format("0 {}", VS_TRY(id_map(spec)).count - 1);
        if (!st.cgroup2_path.empty())
            if (auto fd = sys::open(st.cgroup2_path, O_PATH | O_DIRECTORY); fd)
                cg2 = std::move(*fd);
        return ok();
    }

    /// systemd's cgroup: the cgroup2 hierarchy (and name=systemd on v1/hybrid) writable, its
    /// dir and the files that move and delegate processes owned by the guest's root. The limit
    /// knobs (memory.max, pids.max, ...) stay the host root's, so the guest's systemd
    /// manages what is below its cgroup and cannot raise its own limits; the bind shows only
    /// the guest's own dir, so no other cgroup is reachable.
    Status delegate_cgroups(std::vector<mount::CgroupView>& views) {
        auto map = VS_TRY(id_map(spec));
        for (auto& v : views) {
            if (!v.link.empty() || !(v.name.empty() || v.name == "unified" || v.name == "systemd"))
                continue;
            v.writable = true;
            if (::lchown(v.source.c_str(), map.host_base, map.host_base) < 0)
                return errno_error(fmt::format("delegate cgroup \"{}\"", v.source));
            // The files stay the host root's (the init joins its cgroups as that root before it
            // takes the guest's ids) and become writable for the guest root's group.
            for (const char* f : {"/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control",
                                  "/tasks", "/cgroup.clone_children", "/notify_on_release"}) {
                std::string p = v.source + f;
                if (::lchown(p.c_str(), 0, map.host_base) < 0 || ::chmod(p.c_str(), 0664) < 0) {
                    if (errno == ENOENT) continue;
                    return errno_error(fmt::format("delegate cgroup \"{}\"", p));
                }
            }
        }
        return ok();
    }

    /// The guest's first process, in new namespaces, born in its cgroup where the kernel can.
    Status spawn_init() {
        proc::SpawnOptions so;
        so.ns_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
        if (spec.ns.net) so.ns_flags |= CLONE_NEWNET;
        if (spec.ns.user) {
            so.ns_flags |= CLONE_NEWUSER;
            // Owned by the guest's root (its base uid), not host root, so what the kernel
            // charges to the owner (inotify instances and watches) counts against the guest's
            // own per-uid limits: a guest exhausting fs.inotify.max_user_instances leaves host
            // root and other guests theirs.
            so.userns_owner = VS_TRY(id_map(spec)).host_base;
        }
        so.cgroup2_fd = cg2.get();
        // The child joins its v1 cgroups itself, first thing: a single-threaded process moving
        // itself skips the kernel's global threadgroup lock and the RCU grace period it waits
        // for, which would make our cgroup.procs write the costliest step of a start. The files
        // are opened here: cgroup v1 checks the opener's credentials, and a user-namespaced
        // child's are the guest's base uid (SpawnOptions::userns_owner).
        self_join = VS_TRY(cg->open_self_join(false).wrap("start guest \"{}\"", name));
        const bool helper_init = plan.helper_fd >= 0;
        auto child_main = [&](proc::SyncChannel& ch) {
            if (helper_init) {
                // vs-init blocks every signal as its first act and takes them with
                // sigtimedwait. A signal sent to a pid namespace's init before that is dropped
                // (no handler), so a `stop` right after `start` would lose its SIGTERM and wait
                // out the killseq. Blocked here, the mask survives execve and the signal waits
                // for vs-init instead.
                sigset_t all;
                ::sigfillset(&all);
                ::sigprocmask(SIG_BLOCK, &all, nullptr);
            }
            if (auto r = cgroup::Manager::write_self_join(self_join); !r) {
                // Answered where the parent reads the init's answer, after Go (a
                // user-namespaced child is sent its idmapped root first).
                for (;;) {
                    auto m = ch.recv();
                    if (!m || m->eof) return 1;
                    if (m->type == proc::SyncMsg::Go) break;
                }
                (void)ch.send_error(r.error());
                return 1;
            }
            return guest_init_main(ch, plan);
        };
        child = VS_TRY(proc::spawn(so, child_main).wrap("start guest \"{}\"", name));
        self_join.clear();
        if (output) output->close_peer_ends();  // only the guest's init holds them now
        rb.add([&] {
            (void)child->pidfd.send_signal(SIGKILL);
            (void)child->pidfd.wait();
        });
        if (!child->in_cgroup && !st.cgroup2_path.empty())
            VS_TRY(cg->add_pid(child->pidfd.pid()).wrap("move the guest's init into its cgroup"));
        return fault_point("after-spawn");
    }

    /// A user-namespaced guest's id maps and idmapped root (so the guest's root owns the
    /// guest's files), then the network; the child builds its root meanwhile.
    Status connect_init() {
        if (spec.ns.user) {
            auto map = VS_TRY(id_map(spec));
            VS_TRY(ns::write_id_maps(child->pidfd.pid(), map.host_base, map.count));
            auto tree = VS_TRY(mount::idmapped_tree(spec.root, child->pidfd.pid()));
            if (tree)
                VS_TRY(child->channel.send_fd(tree->get()));
            else
                log::warn(
                    "guest \"{}\": the filesystem of \"{}\" cannot be idmapped; the guest's files "
                    "show as nobody inside it",
                    name, spec.root);
        }
        nc.init_pid = child->pidfd.pid();
        nc.cgroup2_path = st.cgroup2_path;
        nc.run_dir = run;
        // Another guest's configured address is refused even while that guest is stopped.
        if (!spec.interfaces.empty())
            nc.configured_elsewhere = VS_TRY(config::vserver::addresses_of_other_guests(paths, name)
                                                 .wrap("start guest \"{}\"", name));
        nc.run_base = paths.run_dir;
        VS_TRY(net::setup_guest(spec, nc).wrap("network of guest \"{}\"", name));
        rb.add([&] {
            if (auto r = net::teardown_guest(spec, nc); !r)
                log::warn("rollback: {}", r.error().what());
        });
        return fault_point("after-net");
    }

    /// Go, then the child's report: Exec right before its execve, then EOF (the channel is
    /// close-on-exec). Bounded by apps/init/timeout (cmd.prepare runs in between).
    Status wait_exec() {
        VS_TRY(child->channel.send(proc::SyncMsg::Go));
        const int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        bool exec_seen = false;
        for (;;) {
            if (!readable_by(child->channel.fd(), deadline))
                return make_error(ETIMEDOUT,
                                  "start guest \"{}\": its init did not start within {} s "
                                  "(apps/init/timeout{})",
                                  name, spec.init.timeout_s,
                                  spec.init.cmd_prepare.empty() ? "" : "; apps/init/cmd.prepare");
            auto m = VS_TRY(child->channel.recv());
            if (m.eof && exec_seen) break;
            if (m.eof) return died("start guest \"{}\": its init", "");
            if (m.type == proc::SyncMsg::Error)
                return std::move(m.error).wrap(fmt::format("start guest \"{}\": guest init", name));
            if (m.type != proc::SyncMsg::Exec || exec_seen)
                return make_error(EPROTO, "start guest \"{}\": unexpected message from its init",
                                  name);
            exec_seen = true;
        }
        return fault_point("after-exec");
    }

    /// The state says running (and names the init by pid and start time), after the join
    /// profile exec reads once it sees the guest running.
    Status record_running() {
        st.phase = state::Phase::Running;
        st.init_pid = child->pidfd.pid();
        st.init_start_time = VS_TRY(proc::start_time(st.init_pid).wrap("guest \"{}\" init", name));
        auto profile = VS_TRY(make_join_profile(spec, *cg, st.init_pid, plan.rlimits, plan.filter));
        VS_TRY(save_join_profile(run, st, profile));
        rb.add([&] { (void)clear_join_profile(run); });
        return state::save(run, st);
    }

    /// sysv: "/etc/init.d/rc 3" runs to its end, its output on ours; then cmd.start-sync. Both
    /// under the lock (a concurrent stop waits for the boot) and bounded by apps/init/timeout:
    /// past it the start fails and the rollback stops the guest, as systemd fails a unit at
    /// TimeoutStartSec. A non-zero exit is a warning: the guest runs, its init reaps rc's
    /// leftovers.
    Status wait_boot() {
        if (output) {
            auto status = output->relay(STDOUT_FILENO, STDERR_FILENO, timeout_ms);
            std::string what = admin_command(plan.argv);
            if (output->timed_out())
                return make_error(ETIMEDOUT,
                                  "start guest \"{}\": \"{}\" did not finish within {} s "
                                  "(apps/init/timeout); stopping the guest",
                                  name, what, spec.init.timeout_s);
            if (!status && child->pidfd.wait_exit(100))
                return died("start guest \"{}\": its init (running \"{}\")", what);
            if (!status)
                log::warn("guest \"{}\": its init ended before \"{}\" reported an exit status",
                          name, what);
            else if (WIFEXITED(*status) && WEXITSTATUS(*status) != 0)
                log::warn("guest \"{}\" is running, but \"{}\" exited with status {}", name, what,
                          WEXITSTATUS(*status));
            else if (WIFSIGNALED(*status))
                log::warn("guest \"{}\" is running, but \"{}\" was killed by {}", name, what,
                          signal_text(WTERMSIG(*status)));
        }
        VS_TRY(
            run_guest_command(spec, st, *cg, spec.init.cmd_start_sync, "apps/init/cmd.start-sync")
                .wrap("start guest \"{}\"", name));
        return ok();
    }

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
    Status check_running() {
        constexpr int kSettleCpuSeconds = 1;
        const uint64_t settle_ticks =
            static_cast<uint64_t>(std::max(proc::clock_ticks(), 1L)) * kSettleCpuSeconds;
        const int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        for (int step = 1;; step = std::min(step * 2, 16)) {
            if (!child->pidfd.alive()) return died("start guest \"{}\": its init", "");
            auto s = proc::run_sample(child->pidfd.pid());
            if (!s) {
                if (!child->pidfd.alive()) return died("start guest \"{}\": its init", "");
                return std::move(s).error().wrap(fmt::format("start guest \"{}\": its init", name));
            }
            if (!s->exiting && (s->state == 'S' || s->cpu_ticks >= settle_ticks)) return ok();
            if (deadline >= 0 && now_ms() >= deadline)
                return make_error(ETIMEDOUT,
                                  "start guest \"{}\": its init did not settle within {} s "
                                  "(apps/init/timeout; it stayed in state {})",
                                  name, spec.init.timeout_s, s->state);
            if (child->pidfd.wait_exit(step)) return died("start guest \"{}\": its init", "");
        }
    }

    /// The error for an init that is gone: its exit status or signal and the likely cause.
    /// `what` is a format with the guest's name and `arg`.
    Error died(const char* what, const std::string& arg) {
        std::string who = fmt::format(fmt::runtime(what), name, arg);
        // It is exiting (EOF on the channel) or has exited: wait briefly for its status.
        (void)child->pidfd.wait_exit(1000);
        siginfo_t si{};
        if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child->pidfd.fd()), &si,
                     WEXITED | WNOHANG | WNOWAIT) < 0 ||
            si.si_pid == 0)
            return make_error(0, "{} ended before it started the guest", who);
        std::string how = si.si_code == CLD_EXITED
                              ? fmt::format("exited with status {}", si.si_status)
                              : fmt::format("was killed by {}", signal_text(si.si_status));
        return make_error(0, "{} {}{}", who, how, death_hint(si));
    }

    /// "; killed by the OOM killer: ..." from the cgroup's OOM kill count, or the rlimits that
    /// make an exec or an early allocation fail.
    std::string death_hint(const siginfo_t& si) {
        if (auto s = cg->stats(); s && s->oom_kills > 0) {
            const auto& m = spec.resources.memory_max;
            return m && *m > 0 ? fmt::format(
                                     "; killed by the OOM killer: its memory limit "
                                     "(limits/memory.max or rlimits/rss) is {}",
                                     str::human_bytes(static_cast<uint64_t>(*m)))
                               : std::string("; killed by the OOM killer");
        }
        if (si.si_code == CLD_EXITED) return {};
        std::vector<std::string> set;
        for (const auto& l : rlimits)
            if (l.name == "as" || l.name == "data" || l.name == "stack" || l.name == "rss")
                set.push_back(fmt::format("rlimits/{} is {}", l.name,
                                          l.value.rlim_cur == RLIM_INFINITY
                                              ? std::string("unlimited")
                                              : str::human_bytes(l.value.rlim_cur)));
        if (set.empty()) return {};
        return fmt::format("; check the memory rlimits: {}", str::join(set, ", "));
    }

    /// poll(2) for `fd` until `deadline_ms` (monotonic; -1: none); false when it passed.
    static bool readable_by(int fd, int64_t deadline_ms) {
        for (;;) {
            int wait = -1;
            if (deadline_ms >= 0) {
                int64_t left = deadline_ms - now_ms();
                if (left <= 0) return false;
                wait = static_cast<int>(left);
            }
            struct pollfd p {
                fd, POLLIN, 0
            };
            int r = ::poll(&p, 1, wait);
            if (r > 0 || (r < 0 && errno != EINTR)) return true;
        }
    }
};

}  // namespace

Status start(const config::Paths& paths, const spec::GuestSpec& spec, const StartOptions& opt) {
    Start s(paths, spec, opt);
    VS_TRY(s.check().wrap("start guest \"{}\"", spec.name));
    auto lock = VS_TRY(state::GuestLock::acquire(s.run));
    VS_TRY(fault_point("after-lock"));
    VS_TRY(s.claim());
    VS_TRY(run_hooks(spec, "initialize"));
    VS_TRY(run_hooks(spec, "prepre-start"));
    VS_TRY(s.make_cgroup());
    VS_TRY(run_hooks(spec, "pre-start"));
    VS_TRY(s.plan_init());
    VS_TRY(s.spawn_init());
    VS_TRY(s.connect_init());
    VS_TRY(s.wait_exec());
    VS_TRY(s.record_running());
    VS_TRY(s.wait_boot());
    VS_TRY(s.check_running());
    s.rb.commit();
    lock.release();
    if (auto r = run_hooks(spec, "post-start"); !r)
        log::warn("guest \"{}\" is running, but {}", spec.name, r.error().what());
    return ok();
}

}  // namespace vs::runtime
