// vsrun create, the container's first process: its plan (fds, capabilities, seccomp, mounts),
// its clone into the new namespaces with the id maps written, and its setup awaited.
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "base/sys.hpp"
#include "config/paths.hpp"
#include "ns/join.hpp"
#include "proc/pty.hpp"
#include "proc/sealed_exec.hpp"
#include "runtime/cgroup_view.hpp"
#include "runtime/init_command.hpp"
#include "runtime/oci/create_steps.hpp"
#include "runtime/oci/id_maps.hpp"
#include "runtime/oci/mount_plan.hpp"
#include "runtime/oci/socket_guard.hpp"
#include "spec/capabilities.hpp"

namespace vs::runtime::oci {

namespace {

using spec::oci::NamespaceType;

/// Moves `fd` to the lowest free number >= `min` (close-on-exec), so it never sits on a
/// preserved fd or stdio.
Result<UniqueFd> move_to(UniqueFd fd, int min) {
    int n = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, min);
    if (n < 0) return errno_error("fcntl F_DUPFD_CLOEXEC");
    return UniqueFd(n);
}

}  // namespace

Status Create::prepare() {
    const int low = 3 + co.preserve_fds;
    auto helper_file = VS_TRY(helper_path());
    auto sealed = VS_TRY(proc::sealed_copy(helper_file));
    helper = VS_TRY(move_to(std::move(sealed), low));
    fifo = VS_TRY(move_to(std::move(fifo), low));
    if (hooks) hooks = VS_TRY(move_to(std::move(hooks), low));
    if (start_fifo) start_fifo = VS_TRY(move_to(std::move(start_fifo), low));
    if (!co.console_socket.empty()) {
        auto sock = VS_TRY(proc::connect_console_socket(co.console_socket));
        console = VS_TRY(move_to(std::move(sock), low));
    }
    for (size_t i = 0; i < ns_fds.size(); ++i) {
        ns_fds[i] = VS_TRY(move_to(std::move(ns_fds[i]), low));
        plan.join[i].fd = ns_fds[i].get();
    }
    const auto& pr = *spec.process;
    plan.config = &spec;
    plan.rootfs = spec.root->path;
    plan.env = pr.env;
    plan.helper_fd = helper.get();
    plan.fifo_fd = fifo.get();
    plan.console_fd = console ? console.get() : -1;
    plan.hooks_fd = hooks ? hooks.get() : -1;
    plan.start_fd = start_fifo ? start_fifo.get() : -1;
    plan.preserve_fds = co.preserve_fds;
    plan.new_keyring = !co.no_new_keyring;
    plan.new_userns = new_ns & CLONE_NEWUSER;
    plan.joined_userns = (rec.ns_flags & CLONE_NEWUSER) && !plan.new_userns;
    plan.new_cgroupns = new_ns & CLONE_NEWCGROUP;
    plan.new_utsns = rec.ns_flags & CLONE_NEWUTS;
    plan.new_netns = new_ns & CLONE_NEWNET;
    plan.new_timens = new_ns & CLONE_NEWTIME;
    if (!spec.hostname.empty() && !(rec.ns_flags & CLONE_NEWUTS))
        return make_error(EINVAL, "hostname \"{}\" needs a uts namespace", spec.hostname);
    VS_TRY(plan_caps());
    if (spec.linux.seccomp) {
        plan.filter =
            VS_TRY(seccomp::compile_oci_cached(*spec.linux.seccomp, seccomp_cache_dir(opt)));
        plan.seccomp_flags = spec.linux.seccomp->flags;
        plan.seccomp = true;
    }
    VS_TRY(guard_sockets());
    // A create that dies here leaves its guard and owner record on the node (vsrun.bats).
    VS_TRY(fault_point("oci-guarded"));
    config::Paths paths;
    paths.cgroup_root = "/sys/fs/cgroup";
    paths.cgroup_parent = rec.cgroup_parent;
    const bool own_sysfs = VS_TRY(sysfs_mountable());
    // Without a cgroup of its own the container's cgroup mount shows none of the host's.
    auto views = cg ? cgroup_views(paths, rec.cgroup_name, *cg) : std::vector<mount::CgroupView>{};
    plan.mounts = VS_TRY(container_mount_plan(spec, own_sysfs, rec.ns_flags & CLONE_NEWUSER,
                                              std::move(views), &idmapped));
    return ok();
}

Result<bool> Create::sysfs_mountable() const {
    if (!(rec.ns_flags & CLONE_NEWNET)) return false;  // the host's network namespace
    // A new one belongs to the container's user namespace, made or joined before it.
    if (new_ns & CLONE_NEWNET) return true;
    // Joined by path: before the new user namespace is made, so never owned by it; the host's
    // rights reach it without a user namespace; else it depends on who owns it.
    if (plan.new_userns) return false;
    if (!plan.joined_userns) return true;
    const JoinNs *net = nullptr, *user = nullptr;
    for (const auto& j : plan.join) {
        if (j.flag == CLONE_NEWNET) net = &j;
        if (j.flag == CLONE_NEWUSER) user = &j;
    }
    if (!net || !user) return true;
    return ns::owned_within(net->fd, user->fd)
        .wrap("linux.namespaces[{}].path \"{}\"", net->index, net->path);
}

Status Create::guard_sockets() {
    auto g = VS_TRY(guard_socket_families(opt, id, plan.seccomp ? &plan.filter : nullptr,
                                          cg ? cg->unified_path() : "", cg2 ? cg2.get() : -1,
                                          new_ns & CLONE_NEWPID));
    rec.socket_guard = std::move(g.state);
    rec.socket_guard_id = g.guard.id;
    if (g.guard.id == 0) return ok();
    socket_guard = std::move(g.guard);
    rb.add([this] {
        if (auto r = undo_socket_guard(cg->unified_path(), cg2.get(), std::move(socket_guard)); !r)
            log::warn("rollback: {}", r.error().what());
    });
    return ok();
}

Status Create::plan_caps() {
    plan.caps = VS_TRY(oci_cap_sets(*spec.process, {}, fmt::format("container \"{}\"", id)));
    plan.rlimits = rlimit_settings(spec.process->rlimits);
    if (no_device_cgroup && (plan.caps.bounding & (uint64_t{1} << CAP_MKNOD))) {
        log::warn(
            "container \"{}\": linux.resources.devices cannot be enforced without the v1 "
            "devices controller or cgroup2: CAP_MKNOD is dropped so that no device node "
            "can be made",
            id);
        const uint64_t m = ~(uint64_t{1} << CAP_MKNOD);
        plan.caps.bounding &= m;
        plan.caps.effective &= m;
        plan.caps.permitted &= m;
        plan.caps.inheritable &= m;
        plan.caps.ambient &= m;
    }
    return ok();
}

Status Create::spawn() {
    // A pid namespace is joined by the parent: setns(CLONE_NEWPID) moves only the
    // children made afterwards (pid_namespaces(7)).
    if (pid_ns && ::setns(pid_ns.get(), CLONE_NEWPID) < 0)
        return errno_error(fmt::format("{}: join the pid namespace", pid_ns_what));
    proc::SpawnOptions so;
    // A new time namespace is made by the child (ChildPlan::new_timens): its offsets can
    // only be written before a process enters it, which a clone into it already did.
    so.ns_flags = new_ns & ~uint64_t{CLONE_NEWTIME};
    so.cgroup2_fd = cg2.get();
    if (cg) self_join = VS_TRY(cg->open_self_join(false).wrap("container \"{}\"", id));
    // A user namespace is involved (joined by path, or new beside namespaces joined by path):
    // the joins come first, see spawn_joined. Without one every namespace belongs to the
    // host's user namespace whatever the order, and the init joins them itself.
    if (!plan.join.empty() && (rec.ns_flags & CLONE_NEWUSER)) {
        auto init_main = [this](proc::SyncChannel& ch) { return container_init_main(ch, plan); };
        child = VS_TRY(spawn_joined(so, init_main).wrap("create container \"{}\"", id));
    } else {
        auto child_main = [this](proc::SyncChannel& ch) {
            if (auto r = cgroup::Manager::write_self_join(self_join); !r) {
                (void)ch.send_error(r.error());
                return 1;
            }
            return container_init_main(ch, plan);
        };
        child = VS_TRY(proc::spawn(so, child_main).wrap("create container \"{}\"", id));
    }
    self_join.clear();
    rb.add([this] {
        (void)child->pidfd.send_signal(SIGKILL);
        (void)child->pidfd.wait();
    });
    if (cg && !child->in_cgroup && !cg->unified_path().empty())
        VS_TRY(cg->add_pid(child->pidfd.pid()).wrap("move the container's init into its cgroup"));
    if (new_ns & CLONE_NEWUSER)
        VS_TRY(write_container_maps(child->pidfd.pid(), spec.linux, rec.bundle + "/config.json"));
    return ok();
}

/// A namespace belongs to the user namespace of the process that makes it, and rights over it
/// come from capabilities in that user namespace (user_namespaces(7)): cloned before a join
/// of the container's user namespace, the new mount namespace would be the host's and its root
/// could not even make "/" a slave. So a joiner, cloned into the container's cgroup, joins the
/// namespaces given by path (the user namespace among them, or else before the new one is made,
/// while it still has the host's rights over the others) and clones the init with the new ones;
/// CLONE_PARENT makes the init our child, to wait for and for its die-with-parent. The joiner
/// hands over the init's pidfd and channel and exits.
Result<proc::Child> Create::spawn_joined(const proc::SpawnOptions& so,
                                         const proc::ChildMain& init) {
    proc::SpawnOptions jo;
    jo.cgroup2_fd = so.cgroup2_fd;
    // The joiner's exit code when it made the init, then failed to hand it over and killed it.
    constexpr int kInitKilled = 2;
    auto joiner_main = [this, &so, &init](proc::SyncChannel& ch) {
        bool spawned = false;
        auto r = [&]() -> Status {
            VS_TRY(cgroup::Manager::write_self_join(self_join));
            VS_TRY(join_namespaces(plan.join));
            plan.join.clear();
            proc::SpawnOptions io;
            io.ns_flags = so.ns_flags;
            io.clone_parent = true;
            const int up = ch.fd();
            auto c = VS_TRY(proc::spawn(io, [up, &init](proc::SyncChannel& ich) {
                ::close(up);
                return init(ich);
            }));
            spawned = true;
            // The pidfd first: once create has it, a failure after can be undone on that very
            // process (create may have other children).
            auto handed = [&]() -> Status {
                VS_TRY(ch.send_fd(c.pidfd.fd(), c.pidfd.pid()));
                VS_TRY(fault_point("oci-handover"));
                return ch.send_fd(c.channel.fd());
            }();
            // Not handed over: it must not run on (our parent reaps it, see below).
            if (!handed) (void)c.pidfd.send_signal(SIGKILL);
            return handed;
        }();
        if (!r) {
            (void)ch.send_error(r.error());
            return spawned ? kInitKilled : 1;
        }
        return 0;
    };
    auto joiner = VS_TRY(proc::spawn(jo, joiner_main));
    // The init's pidfd (its pid in the value), then its channel.
    proc::Child c;
    Status got = [&]() -> Status {
        for (int n = 0; n < 2; ++n) {
            auto m = VS_TRY(joiner.channel.recv());
            if (!m.eof && m.type == proc::SyncMsg::Error) return std::move(m.error);
            if (m.eof || m.type != proc::SyncMsg::Fd)
                return make_error(EPROTO,
                                  "the namespace joiner ended before it handed over the "
                                  "container's init");
            if (n == 0)
                c.pidfd = proc::PidFd(static_cast<pid_t>(m.value), std::move(m.fd));
            else
                c.channel = proc::SyncChannel(std::move(m.fd));
        }
        return ok();
    }();
    auto code = joiner.pidfd.wait();
    if (got && (!code || *code != 0)) got = make_error(ECHILD, "the namespace joiner failed");
    if (!got) {
        // Our child (CLONE_PARENT): not left behind, not left a zombie.
        if (c.pidfd.fd() >= 0) {
            (void)c.pidfd.send_signal(SIGKILL);
            (void)c.pidfd.wait();
        } else if (code && *code == kInitKilled) {
            // Killed by the joiner, which could not even hand over its pidfd: the pid is
            // unknown here, and waiting for any child could reap another one of ours. Its
            // zombie goes to whoever reaps create's children when create exits.
            log::debug("the namespace joiner killed the container's init before handing it over");
        }
        return std::move(got).error();
    }
    c.in_cgroup = joiner.in_cgroup;
    c.used_clone3 = joiner.used_clone3;
    return c;
}

Status Create::send_trees() {
    if (idmapped.empty()) return ok();
    UniqueFd userns;
    for (const auto& n : spec.linux.namespaces)
        if (n.type == NamespaceType::User)
            userns = VS_TRY(sys::open(n.path.empty()
                                          ? fmt::format("/proc/{}/ns/user", child->pidfd.pid())
                                          : n.path,
                                      O_RDONLY | O_CLOEXEC)
                                .wrap("the user namespace for idmapped mounts"));
    for (size_t i : idmapped) {
        auto tree = VS_TRY(make_idmapped_tree(spec.mounts[i], i, userns.get()));
        VS_TRY(child->channel.send_fd(tree.get()));
    }
    return ok();
}

Status Create::wait_exec() {
    VS_TRY(child->channel.send(proc::SyncMsg::Go));
    bool exec_seen = false;
    for (;;) {
        auto m = VS_TRY(child->channel.recv());
        if (m.eof && exec_seen) return ok();
        if (m.eof) return make_error(ECHILD, "the container's init ended before it was set up");
        if (m.type == proc::SyncMsg::Error) return std::move(m.error);
        if (m.type != proc::SyncMsg::Exec || exec_seen)
            return make_error(EPROTO, "unexpected message from the container's init");
        exec_seen = true;
    }
}

}  // namespace vs::runtime::oci
