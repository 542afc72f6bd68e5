// start: checks, lock and repair, identity claims, hooks, cgroup, init in new namespaces,
// network, the boot waited for (bounded), the init checked alive, state; each a named phase
// of GuestStart (guest_start.hpp) with its undo, so a failure anywhere leaves the host as it was.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/addresses.hpp"
#include "lsm/socket_guard.hpp"
#include "mount/idmap.hpp"
#include "store/layered_root.hpp"
#include "mount/root_check.hpp"
#include "ns/join.hpp"
#include "ns/uts.hpp"
#include "proc/sealed_exec.hpp"
#include "runtime/cgroup_view.hpp"
#include "runtime/confine.hpp"
#include "runtime/console.hpp"
#include "runtime/guest.hpp"
#include "runtime/guest_start.hpp"
#include "runtime/hooks.hpp"
#include "runtime/identity.hpp"
#include "runtime/join.hpp"
#include "runtime/lxcfs.hpp"
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

Result<spec::IdMap> id_map(const spec::GuestSpec& spec) {
    if (spec.idmap) return *spec.idmap;
    if (!spec.context)
        return make_error(
            EINVAL,
            "guest \"{}\": userns needs a context or an explicit id map (userns: BASE COUNT)",
            spec.name);
    return spec::IdMap{*spec.context * 65536u, 65536u};
}

namespace {

/// Style sysv without --rescue: its command is a boot script that ends, so start shows its
/// output and waits for it, as util-vserver's start does (its init command runs in the
/// foreground). A reaper's cmd.start or a plain init runs for the guest's whole life.
bool shows_init_output(const spec::GuestSpec& spec, const StartOptions& opt) {
    return opt.rescue_cmd.empty() && spec.init.style == spec::InitStyle::Sysv;
}

}  // namespace

Status GuestStart::check() {
    if (!sys::is_dir(spec.root))
        return make_error(ENOENT, "guest root \"{}\" does not exist or is not a directory",
                          spec.root);
    VS_TRY(mount::check_root(spec.root));
    rlimits = VS_TRY(plan_rlimits(spec));
    if (spec.ns.user) VS_TRY(id_map(spec));
    init = VS_TRY(init_command(spec, opt.rescue_cmd));
    if (spec.init.ttys > 0 && !spec.init.has_console())
        return make_error(EINVAL,
                          "apps/init/ttys is {} but the guest has no console "
                          "(apps/init/console is off)",
                          spec.init.ttys);
    if (init.use_helper) {
        auto path = VS_TRY(helper_path());
        helper = VS_TRY(proc::sealed_copy(path));
    }
    return ok();
}

Status GuestStart::claim() {
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

Status GuestStart::make_cgroup() {
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
    VS_TRY(guard_sockets());
    return fault_point("after-cgroup");
}

Status GuestStart::guard_sockets() {
    if (spec.seccomp_profile != "default") return ok();  // "unconfined" refuses no family
    if (st.cgroup2_path.empty()) {
        st.socket_guard_gap =
            "no cgroup2 hierarchy to attach the BPF LSM guard to (mount cgroup2, e.g. at "
            "/sys/fs/cgroup/unified as systemd's hybrid layout does)";
        return ok();
    }
    const std::string cache = paths.run_dir + "/.bpf-lsm-support";
    if (!VS_TRY(lsm::attach(st.cgroup2_path, cache).wrap("guest \"{}\"", name)))
        st.socket_guard_gap = lsm::support(cache).reason;
    return ok();
}

Status GuestStart::plan_init() {
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
    if (spec.init.has_console() && opt.rescue_cmd.empty()) {
        plan.console_ttys = spec.init.ttys;
        // A kernel starts init with the console as its stdio; our own reaper keeps /dev/null
        // (style sysv shows rc's output through `start` instead).
        plan.console_stdio = plan.helper_fd < 0;
    }
    if (plan.helper_fd >= 0 && shows_init_output(spec, opt)) {
        // vs-init (plan.argv = {"vs-init", "--", ...}) gives its command the relay's pipes
        // and reports its exit; its options come before the "--".
        output = VS_TRY(proc::OutputRelay::make());
        plan.argv.insert(plan.argv.begin() + 1, {"--output", output->peer_arg()});
        auto fds = output->peer_fds();
        plan.inherit_fds.insert(plan.inherit_fds.end(), fds.begin(), fds.end());
    }
    if (spec.ns.user) plan.ping_group_range = fmt::format("0 {}", VS_TRY(id_map(spec)).count - 1);
    if (!st.cgroup2_path.empty())
        if (auto fd = sys::open(st.cgroup2_path, O_PATH | O_DIRECTORY); fd) cg2 = std::move(*fd);
    return ok();
}

Status GuestStart::delegate_cgroups(std::vector<mount::CgroupView>& views) {
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

Status GuestStart::spawn_init() {
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

Status GuestStart::connect_init() {
    if (spec.ns.user) {
        auto map = VS_TRY(id_map(spec));
        VS_TRY(ns::write_id_maps(child->pidfd.pid(), map.host_base, map.count));
        std::optional<UniqueFd> tree;
        if (spec.layered) {
            // An overlay cannot be idmapped, its layers can: a new overlay of them (Linux
            // 6.15), which stays at the root path for host tools until stop releases it.
            auto userns =
                VS_TRY(sys::open(fmt::format("/proc/{}/ns/user", child->pidfd.pid()), O_RDONLY));
            rb.add([&] {
                if (auto r = store::release_userns_root(spec); !r)
                    log::warn("rollback: {}", r.error().what());
            });
            tree = VS_TRY(store::mount_userns_root(spec, userns.get(), map.host_base)
                              .wrap("start guest \"{}\"", name));
        } else {
            tree = VS_TRY(mount::idmapped_tree(spec.root, child->pidfd.pid()));
        }
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
        if (auto r = net::teardown_guest(spec, nc); !r) log::warn("rollback: {}", r.error().what());
    });
    return fault_point("after-net");
}

Status start(const config::Paths& paths, const spec::GuestSpec& spec, const StartOptions& opt) {
    GuestStart s(paths, spec, opt);
    // After a reboot a layered root's overlay is gone: mounted again before anything looks in.
    VS_TRY(store::ensure_root_mounted(spec).wrap("start"));
    VS_TRY(s.check().wrap("start guest \"{}\"", spec.name));
    auto lock = VS_TRY(state::GuestLock::acquire(s.run));
    VS_TRY(fault_point("after-lock"));
    VS_TRY(s.claim());
    VS_TRY(run_hooks(spec, "initialize"));
    VS_TRY(run_hooks(spec, "prepre-start"));
    VS_TRY(s.make_cgroup());
    VS_TRY(run_hooks(spec, "pre-start"));
    VS_TRY(s.plan_init());
    // A user-namespaced layered guest gets an overlay of idmapped layers (connect_init);
    // overlayfs refuses it while the host's own still uses the layer, and the init must not
    // take a copy of the host's into its mount namespace.
    if (spec.layered && spec.ns.user)
        VS_TRY(store::unmount_root(spec).wrap("start guest \"{}\"", spec.name));
    VS_TRY(s.spawn_init());
    VS_TRY(s.connect_init());
    VS_TRY(s.wait_exec());
    VS_TRY(s.hand_off_console());
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
