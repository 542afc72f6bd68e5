// start: lock, repair leftovers, hooks, cgroup, init in new namespaces, network, state.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <ctime>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/sys.hpp"
#include "config/vserver/addresses.hpp"
#include "mount/plan.hpp"
#include "runtime/confine.hpp"
#include "mount/root_check.hpp"
#include "net/guest_network.hpp"
#include "ns/join.hpp"
#include "ns/uts.hpp"
#include "proc/proc_info.hpp"
#include "proc/sealed_exec.hpp"
#include "proc/spawn.hpp"
#include "runtime/cgroup_view.hpp"
#include "runtime/fault.hpp"
#include "runtime/guest.hpp"
#include "runtime/guest_init.hpp"
#include "runtime/hooks.hpp"
#include "runtime/init_command.hpp"
#include "runtime/init_output.hpp"
#include "runtime/join_profile.hpp"
#include "runtime/init_sync.hpp"
#include "runtime/userns_root.hpp"
#include "runtime/runtime.hpp"
#include "spec/init_style.hpp"
#include "state/lock.hpp"
#include "store/disk_limits.hpp"

namespace vs::runtime {

namespace {

/// Everything that can be checked before anything is created (bad input -> nothing made).
struct Prepared {
    InitCommand init;
    std::vector<RlimitSetting> rlimits;
    UniqueFd helper;
};

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

Result<Prepared> prepare(const spec::GuestSpec& spec, const StartOptions& opt) {
    Prepared p;
    if (!sys::is_dir(spec.root))
        return make_error(ENOENT, "guest root \"{}\" does not exist or is not a directory",
                          spec.root);
    VS_TRY(mount::check_root(spec.root));
    p.rlimits = VS_TRY(plan_rlimits(spec));
    if (spec.ns.user) VS_TRY(id_map(spec));
    p.init = VS_TRY(init_command(spec, opt.rescue_cmd));
    if (p.init.use_helper) {
        auto helper = VS_TRY(helper_path());
        p.helper = VS_TRY(proc::sealed_copy(helper));
    }
    return p;
}

}  // namespace

Status start(const config::Paths& paths, const spec::GuestSpec& spec, const StartOptions& opt) {
    const std::string& name = spec.name;
    std::string run = paths.guest_run(name);
    auto prep = VS_TRY(prepare(spec, opt).wrap("start guest \"{}\"", name));

    auto lock = VS_TRY(state::GuestLock::acquire(run));
    VS_TRY(fault_point("after-lock"));
    auto cg = VS_TRY(open_cgroup(paths, name));
    auto seen = observe(paths, name, cg.get(), true);
    auto d = state::derive(seen);
    if (d.status == state::RunStatus::Running)
        return make_error(0, "guest \"{}\" is already running", name);
    if (d.needs_cleanup) {
        log::info("guest \"{}\": cleaning up after an interrupted start or stop", name);
        VS_TRY(cleanup(paths, spec, *cg).wrap("repair guest \"{}\"", name));
    }
    // Disk limits hold before the guest writes anything; a refused limit stops the start
    // before any state, cgroup or mount exists (apply is idempotent, so restarts are fine).
    VS_TRY(store::apply_disk_limits(spec).wrap("disk limits of guest \"{}\"", name));

    // Declared before the rollback stack: its undo steps refer to them.
    state::GuestState st;
    std::optional<proc::Child> child;
    net::SetupContext nc;
    InitPlan plan;
    UniqueFd cg2;
    std::optional<proc::OutputRelay> output;  // sysv: rc's stdout/stderr, shown below
    Rollback rb;
    st.name = name;
    st.phase = state::Phase::Starting;
    st.context = spec.context.value_or(0);
    st.started_at = static_cast<int64_t>(std::time(nullptr));
    st.init_style = opt.rescue_cmd.empty() ? spec::init_style_name(spec.init.style) : "rescue";
    st.cgroup_layout = cgroup::layout_name(cg->layout());
    st.root = spec.root;
    VS_TRY(state::save(run, st));
    rb.add([&] { (void)state::clear(run); });
    VS_TRY(fault_point("after-state"));

    VS_TRY(run_hooks(spec, "initialize"));
    VS_TRY(run_hooks(spec, "prepre-start"));

    VS_TRY(cg->create().wrap("create the cgroup of guest \"{}\"", name));
    rb.add([&] {
        (void)cg->kill_all();
        if (auto r = cg->destroy(); !r) log::warn("rollback: {}", r.error().what());
        cg->remove_unused_parents();  // a failed first start leaves no parent either
    });
    VS_TRY(cg->apply(spec.resources).wrap("cgroup limits of guest \"{}\"", name));
    st.cgroup2_path = cg->unified_path();
    VS_TRY(fault_point("after-cgroup"));

    VS_TRY(run_hooks(spec, "pre-start"));

    plan.spec = &spec;
    mount::GuestMounts gm;
    gm.root = spec.root;
    gm.own_netns = spec.ns.net;
    gm.userns = spec.ns.user;
    gm.fstab = spec.fstab;
    gm.cgroups = cgroup_views(paths, name, *cg);
    plan.mounts = VS_TRY(mount::build_plan(gm).wrap("mounts of guest \"{}\"", name));
    plan.rlimits = prep.rlimits;
    plan.filter = VS_TRY(guest_filter(paths, spec));
    plan.nodename = ns::effective_nodename(spec.nodename, name);
    plan.argv = prep.init.argv;
    plan.env = spec.init.environment;
    plan.helper_fd = prep.helper.get();
    if (plan.helper_fd >= 0 && shows_init_output(spec, opt)) {
        output = VS_TRY(proc::OutputRelay::make());
        attach_init_output(*output, plan);
    }
    if (spec.ns.user) plan.ping_group_range = fmt::format("0 {}", VS_TRY(id_map(spec)).count - 1);

    if (!st.cgroup2_path.empty())
        if (auto fd = sys::open(st.cgroup2_path, O_PATH | O_DIRECTORY); fd) cg2 = std::move(*fd);

    proc::SpawnOptions so;
    so.ns_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    if (spec.ns.net) so.ns_flags |= CLONE_NEWNET;
    if (spec.ns.user) so.ns_flags |= CLONE_NEWUSER;
    so.cgroup2_fd = cg2.get();
    // The child joins its v1 cgroups itself, first thing: a single-threaded process moving
    // itself skips the kernel's global threadgroup lock and the RCU grace period it waits for,
    // which would make our cgroup.procs write the costliest step of a start. In a new user
    // namespace too: its credentials are still the host root's kuid (the maps only say how it
    // appears inside), which owns cgroup.procs, and cgroup v1 lets euid 0 move any task.
    const bool helper_init = plan.helper_fd >= 0;
    auto child_main = [&](proc::SyncChannel& ch) {
        if (helper_init) {
            // vs-init blocks every signal as its first act and takes them with sigtimedwait.
            // A signal sent to a pid namespace's init before that is dropped (no handler), so a
            // `stop` right after `start` would lose its SIGTERM and wait out the killseq.
            // Blocked here, the mask survives execve and the signal waits for vs-init instead.
            sigset_t all;
            ::sigfillset(&all);
            ::sigprocmask(SIG_BLOCK, &all, nullptr);
        }
        if (auto r = cg->join_self(false); !r) {
            // Answered where the parent reads the init's answer, after Go (a user-namespaced
            // child is sent its idmapped root first).
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
    if (output) output->close_peer_ends();  // only the guest's init holds them now
    rb.add([&] {
        (void)child->pidfd.send_signal(SIGKILL);
        (void)child->pidfd.wait();
    });
    VS_TRY(fault_point("after-spawn"));

    // The child waits for Go and has joined every hierarchy before it reads it (v1 has no
    // CLONE_INTO_CGROUP), so it never runs guest code outside its cgroup.
    // cgroup2 took it at clone (CLONE_INTO_CGROUP) unless the kernel refused that.
    if (!child->in_cgroup && !st.cgroup2_path.empty())
        VS_TRY(cg->add_pid(child->pidfd.pid()).wrap("move the guest's init into its cgroup"));
    if (spec.ns.user) {
        auto map = VS_TRY(id_map(spec));
        VS_TRY(ns::write_id_maps(child->pidfd.pid(), map.host_base, map.count));
        VS_TRY(send_idmapped_root(spec, *child));
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
        if (auto r = net::teardown_guest(spec, nc); !r) log::warn("rollback: {}", r.error().what());
    });
    VS_TRY(fault_point("after-net"));

    VS_TRY(child->channel.send(proc::SyncMsg::Go));
    if (auto r = child->channel.expect(proc::SyncMsg::Exec, "exec"); !r)
        return std::move(r).error().wrap(fmt::format("start guest \"{}\": guest init", name));
    auto m = VS_TRY(child->channel.recv());
    if (!m.eof) {
        if (m.type == proc::SyncMsg::Error)
            return std::move(m.error).wrap(fmt::format("start guest \"{}\": guest init", name));
        return make_error(EPROTO, "start guest \"{}\": unexpected message after exec", name);
    }
    VS_TRY(fault_point("after-exec"));

    st.phase = state::Phase::Running;
    st.init_pid = child->pidfd.pid();
    st.init_start_time = VS_TRY(proc::start_time(st.init_pid).wrap("guest \"{}\" init", name));
    // Saved before "running": an exec that sees the guest running finds its profile.
    auto profile = VS_TRY(make_join_profile(spec, *cg, st.init_pid, plan.rlimits, plan.filter));
    VS_TRY(save_join_profile(run, st, profile));
    rb.add([&] { (void)clear_join_profile(run); });
    VS_TRY(state::save(run, st));
    rb.commit();
    // sysv: "/etc/init.d/rc 3" runs to its end before start returns, its output on ours, under
    // the lock like the sync command below (a concurrent stop waits for the boot to finish).
    if (output) show_init_output(*output, spec, plan.argv);
    // Under the lock, so a concurrent stop waits for the guest to be up (minit's sync).
    run_guest_command(spec, st, *cg, spec.init.cmd_start_sync, "apps/init/cmd.start-sync");
    lock.release();

    if (auto r = run_hooks(spec, "post-start"); !r)
        log::warn("guest \"{}\" is running, but {}", name, r.error().what());
    return ok();
}

}  // namespace vs::runtime
