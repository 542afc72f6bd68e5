// create: the container's state dir and lock, cgroup, exec FIFO, the init cloned into its new
// (or joined) namespaces, its report awaited, the record and --pid-file written; each step with
// its undo, so a failure leaves nothing behind.
//
// Why an exec FIFO held by vs-init: `start` must be instant and the process must be exec'd
// only then, as the container's init. The cloned child does all the work of a create (mounts,
// pivot_root, user, capabilities, seccomp) and then execs our sealed vs-init (a memfd copy: no
// process in the container can ever reach the host's vsrun binary through /proc/PID/exe), which
// waits on the FIFO's read end, opened here before pivot_root. `start` opens the write end
// (ENXIO when the init is gone) and writes one byte; vs-init then execs the process in its
// place. No vsrun process stays behind: create exits, and the engine's shim, a subreaper,
// becomes the init's parent.
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "caps/apply.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/manager.hpp"
#include "config/oci/parse.hpp"
#include "config/oci/to_guest_spec.hpp"
#include "config/paths.hpp"
#include "proc/proc_info.hpp"
#include "proc/pty.hpp"
#include "proc/sealed_exec.hpp"
#include "proc/spawn.hpp"
#include "runtime/cgroup_view.hpp"
#include "runtime/init_command.hpp"
#include "runtime/oci/cgroup_path.hpp"
#include "runtime/oci/devices.hpp"
#include "runtime/oci/hooks.hpp"
#include "runtime/oci/labels.hpp"
#include "runtime/oci/init_child.hpp"
#include "runtime/oci/mount_plan.hpp"
#include "runtime/oci/oci.hpp"
#include "spec/capabilities.hpp"

namespace vs::runtime::oci {

namespace {

using spec::oci::NamespaceType;

uint64_t clone_flag(NamespaceType t) {
    switch (t) {
        case NamespaceType::Pid:
            return CLONE_NEWPID;
        case NamespaceType::Network:
            return CLONE_NEWNET;
        case NamespaceType::Mount:
            return CLONE_NEWNS;
        case NamespaceType::Ipc:
            return CLONE_NEWIPC;
        case NamespaceType::Uts:
            return CLONE_NEWUTS;
        case NamespaceType::User:
            return CLONE_NEWUSER;
        case NamespaceType::Cgroup:
            return CLONE_NEWCGROUP;
        case NamespaceType::Time:
            return CLONE_NEWTIME;
    }
    return 0;
}

/// "0 100000 65536\n..." for /proc/PID/{uid,gid}_map.
std::string map_text(const std::vector<spec::oci::IdMapping>& m) {
    std::string s;
    for (const auto& e : m) s += fmt::format("{} {} {}\n", e.container_id, e.host_id, e.size);
    return s;
}

/// Moves `fd` to the lowest free number >= `min` (close-on-exec), so it never sits on a
/// preserved fd or stdio.
Result<UniqueFd> move_to(UniqueFd fd, int min) {
    int n = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, min);
    if (n < 0) return errno_error("fcntl F_DUPFD_CLOEXEC");
    return UniqueFd(n);
}

struct Create {
    const Options& opt;
    const std::string& id;
    const CreateOptions& co;
    std::string dir;
    spec::oci::Spec spec;
    Record rec;
    std::unique_ptr<cgroup::Manager> cg;
    UniqueFd fifo, helper, console, cg2;
    /// The hooks memfd and the start FIFO (ChildPlan::hooks_fd, start_fd).
    UniqueFd hooks, start_fifo;
    std::vector<UniqueFd> ns_fds;
    UniqueFd pid_ns;
    /// Device rules were asked for but the host has neither a v1 devices controller nor a
    /// cgroup2 node for the container to hold them: CAP_MKNOD is withheld instead.
    bool no_device_cgroup = false;
    uint64_t new_ns = CLONE_NEWNS;
    runtime::oci::ChildPlan plan;
    std::vector<size_t> idmapped;  ///< mounts[] indexes of the idmapped binds, in tree order
    std::vector<cgroup::Manager::SelfJoin> self_join;
    std::optional<proc::Child> child;
    Rollback rb;

    Create(const Options& o, const std::string& i, const CreateOptions& c)
        : opt(o), id(i), co(c), dir(container_dir(o, i)) {}

    /// Everything that can fail before anything exists: the config, the fds asked for.
    Status check() {
        VS_TRY(check_id(id));
        for (int fd = 3; fd < 3 + co.preserve_fds; ++fd)
            if (::fcntl(fd, F_GETFD) < 0)
                return make_error(EBADF, "--preserve-fds {}: fd {} is not open", co.preserve_fds,
                                  fd);
        std::string bundle = co.bundle.empty() ? "." : co.bundle;
        if (bundle[0] != '/') {
            auto cwd = VS_TRY(sys::readlink("/proc/self/cwd"));
            bundle = bundle == "." ? cwd : cwd + "/" + bundle;
        }
        spec = VS_TRY(config::oci::read_bundle(bundle));
        if (!spec.process || spec.process->args.empty())
            return make_error(EINVAL, "{}/config.json: process.args: create needs a process",
                              bundle);
        if (!spec.root) return make_error(EINVAL, "{}/config.json: root: missing", bundle);
        if (!sys::is_dir(spec.root->path))
            return make_error(ENOENT, "root.path \"{}\" is not a directory", spec.root->path);
        if (spec.process->terminal && co.console_socket.empty())
            return make_error(EINVAL, "process.terminal is true but no --console-socket given");
        VS_TRY(check_labels(*spec.process, spec.linux.mount_label).wrap("{}/config.json", bundle));
        rec.poststart = hooks_to_json(spec.hooks.poststart);
        rec.poststop = hooks_to_json(spec.hooks.poststop);
        rec.start_hooks = !spec.hooks.start_container.empty();
        rec.id = id;
        rec.bundle = spec.bundle.empty() ? bundle : spec.bundle;
        rec.rootfs = spec.root->path;
        rec.annotations = spec.annotations;
        rec.owner = ::getuid();
        auto where = VS_TRY(cgroup_location(spec.linux.cgroups_path, id, opt.systemd_cgroup));
        rec.cgroup_parent = where.parent;
        rec.cgroup_name = where.name;
        for (const auto& n : spec.linux.namespaces) {
            uint64_t f = clone_flag(n.type);
            rec.ns_flags |= f;
            if (n.path.empty()) {
                new_ns |= f;
                continue;
            }
            if (n.type == NamespaceType::Mount)
                return make_error(ENOTSUP,
                                  "linux.namespaces: joining a mount namespace (\"{}\") is not "
                                  "supported: the container's root needs its own",
                                  n.path);
            auto fd =
                VS_TRY(sys::open(n.path, O_RDONLY | O_CLOEXEC)
                           .wrap("linux.namespaces {}", spec::oci::namespace_type_name(n.type)));
            if (n.type == NamespaceType::Pid)
                pid_ns = std::move(fd);
            else if (n.type == NamespaceType::User)
                ns_fds.insert(ns_fds.begin(), std::move(fd)),
                    plan.join.insert(plan.join.begin(), {0, f});
            else
                ns_fds.push_back(std::move(fd)), plan.join.push_back({0, f});
        }
        rec.ns_flags |= CLONE_NEWNS;
        return ok();
    }

    Status make_cgroup() {
        cgroup::Options o;
        o.parent = rec.cgroup_parent;
        o.name = rec.cgroup_name;
        cg = VS_TRY(cgroup::open(o).wrap("linux.cgroupsPath \"{}\"", spec.linux.cgroups_path));
        if (!cg->exists()) {
            VS_TRY(cg->create().wrap("create the cgroup of container \"{}\"", id));
            rec.cgroup_created = true;
            rb.add([this] {
                (void)cg->kill_all();
                if (auto r = cg->destroy(); !r) log::warn("rollback: {}", r.error().what());
                cg->remove_unused_parents();
            });
        }
        if (spec.linux.resources) {
            auto res = VS_TRY(config::oci::to_resources(*spec.linux.resources));
            VS_TRY(cg->apply(res).wrap("linux.resources of container \"{}\"", id));
        }
        VS_TRY(apply_devices());
        if (!cg->unified_path().empty())
            if (auto fd = sys::open(cg->unified_path(), O_PATH | O_DIRECTORY | O_CLOEXEC); fd)
                cg2 = std::move(*fd);
        return ok();
    }

    /// linux.resources.devices, runc's defaults and the linux.devices nodes: a BPF device
    /// program on the cgroup2 node (pure v2, and hybrid, where the container has one there
    /// too) and the v1 devices controller where there is one; the kernel asks both.
    Status apply_devices() {
        std::vector<spec::oci::DeviceRule> none;
        const auto& rules = spec.linux.resources ? spec.linux.resources->devices : none;
        auto nodes = node_rules(spec.linux.devices);
        for (const auto& n : nodes) rec.device_nodes.push_back(n.text());
        auto state = device_state(rules, nodes);
        std::string v1 = cg->controller_path("devices");
        std::string v2 = cg->unified_path();
        if (!v1.empty())
            VS_TRY(cgroup::apply_v1_devices(v1, state).wrap(
                "linux.resources.devices of container \"{}\"", id));
        if (!v2.empty())
            VS_TRY(cgroup::attach_device_program(v2, state).wrap(
                "linux.resources.devices of container \"{}\"", id));
        no_device_cgroup = v1.empty() && v2.empty() && !rules.empty();
        return ok();
    }

    Status make_fifo() {
        std::string path = fifo_path(dir);
        if (::mkfifo(path.c_str(), 0600) < 0)
            return errno_error(fmt::format("mkfifo \"{}\"", path));
        // Non-blocking, so no writer is needed to open it (fifo(7)); vs-init polls it.
        fifo = VS_TRY(sys::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        if (!spec.hooks.create_container.empty() || rec.start_hooks) {
            int m = ::memfd_create("vsrun-hooks", MFD_CLOEXEC | MFD_ALLOW_SEALING);
            if (m < 0) return errno_error("memfd_create for the hooks");
            hooks = UniqueFd(m);
        }
        if (rec.start_hooks) {
            // vs-init's report to `start`. Opened read-write: a FIFO open for writing alone
            // blocks (or fails non-blocking) without a reader, and vs-init must hold the only
            // writer, so that start sees EOF once it has exec'd the process (fifo(7)).
            std::string sp = start_fifo_path(dir);
            if (::mkfifo(sp.c_str(), 0600) < 0)
                return errno_error(fmt::format("mkfifo \"{}\"", sp));
            start_fifo = VS_TRY(sys::open(sp, O_RDWR | O_CLOEXEC));
        }
        return ok();
    }

    Status prepare() {
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
            plan.join[i].first = ns_fds[i].get();
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
        plan.new_cgroupns = new_ns & CLONE_NEWCGROUP;
        plan.new_utsns = rec.ns_flags & CLONE_NEWUTS;
        plan.new_timens = new_ns & CLONE_NEWTIME;
        if (!spec.hostname.empty() && !(rec.ns_flags & CLONE_NEWUTS))
            return make_error(EINVAL, "hostname \"{}\" needs a uts namespace", spec.hostname);
        if (pr.capabilities) {
            const auto& c = *pr.capabilities;
            plan.caps = {c.bounding, c.effective, c.permitted, c.inheritable, c.ambient};
            // capabilities(7): PR_CAP_AMBIENT_RAISE needs the capability in both permitted and
            // inheritable. runc warns about the others and goes on; so do we, raising none of
            // them (caps::apply would otherwise add them to those sets).
            if (uint64_t extra = c.ambient & ~(c.permitted & c.inheritable)) {
                log::warn(
                    "container \"{}\": process.capabilities.ambient: {} not in both "
                    "permitted and inheritable, left out of the ambient set",
                    id, spec::cap_set_names(extra));
                plan.caps.ambient &= ~extra;
            }
        } else {
            // No process.capabilities: no capabilities (docs/oci.md, config.json).
            plan.caps = {};
        }
        plan.rlimits = rlimit_settings(pr.rlimits);
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
        if (spec.linux.seccomp) {
            plan.filter = VS_TRY(seccomp::compile_oci(*spec.linux.seccomp));
            plan.seccomp_flags = spec.linux.seccomp->flags;
            plan.seccomp = true;
        }
        config::Paths paths;
        paths.cgroup_root = "/sys/fs/cgroup";
        paths.cgroup_parent = rec.cgroup_parent;
        plan.mounts =
            VS_TRY(container_mount_plan(spec, rec.ns_flags & CLONE_NEWNET, new_ns & CLONE_NEWUSER,
                                        cgroup_views(paths, rec.cgroup_name, *cg), &idmapped));
        return ok();
    }

    Status spawn() {
        // A pid namespace is joined by the parent: setns(CLONE_NEWPID) moves only the
        // children made afterwards (pid_namespaces(7)).
        if (pid_ns && ::setns(pid_ns.get(), CLONE_NEWPID) < 0)
            return errno_error("join linux.namespaces pid");
        proc::SpawnOptions so;
        // A new time namespace is made by the child (ChildPlan::new_timens): its offsets can
        // only be written before a process enters it, which a clone into it already did.
        so.ns_flags = new_ns & ~uint64_t{CLONE_NEWTIME};
        so.cgroup2_fd = cg2.get();
        self_join = VS_TRY(cg->open_self_join(false).wrap("container \"{}\"", id));
        auto child_main = [this](proc::SyncChannel& ch) {
            if (auto r = cgroup::Manager::write_self_join(self_join); !r) {
                (void)ch.send_error(r.error());
                return 1;
            }
            return container_init_main(ch, plan);
        };
        child = VS_TRY(proc::spawn(so, child_main).wrap("create container \"{}\"", id));
        self_join.clear();
        rb.add([this] {
            (void)child->pidfd.send_signal(SIGKILL);
            (void)child->pidfd.wait();
        });
        if (!child->in_cgroup && !cg->unified_path().empty())
            VS_TRY(
                cg->add_pid(child->pidfd.pid()).wrap("move the container's init into its cgroup"));
        if (new_ns & CLONE_NEWUSER) {
            pid_t pid = child->pidfd.pid();
            VS_TRY(sys::write_file(fmt::format("/proc/{}/uid_map", pid),
                                   map_text(spec.linux.uid_mappings))
                       .wrap("linux.uidMappings"));
            VS_TRY(sys::write_file(fmt::format("/proc/{}/gid_map", pid),
                                   map_text(spec.linux.gid_mappings))
                       .wrap("linux.gidMappings"));
        }
        return ok();
    }

    /// The idmapped binds' trees, made here (idmapping needs CAP_SYS_ADMIN over the
    /// filesystem, which the child in its user namespace lacks) and sent to the child before
    /// Go, in the order of their Op::tree. A mount without its own mappings takes the
    /// container's user namespace: new (the child's, mapped by now) or joined by path.
    Status send_trees() {
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

    /// Go, then the child's Exec (right before it becomes vs-init) and EOF (close-on-exec).
    Status wait_exec() {
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

    /// prestart and createRuntime: on the host, once the namespaces exist and before the
    /// child builds the root (it waits for Go), given the state with status "creating". The
    /// same state goes into the hooks memfd for the child's createContainer hooks.
    Status runtime_hooks() {
        if (spec.hooks.prestart.empty() && spec.hooks.create_runtime.empty() &&
            spec.hooks.create_container.empty())
            return ok();
        Record r = rec;
        r.pid = child->pidfd.pid();
        r.created = rfc3339_now();
        std::string st = state_json(r, State::Creating, false);
        VS_TRY(run_hooks(spec.hooks.prestart, "prestart", st));
        VS_TRY(run_hooks(spec.hooks.create_runtime, "createRuntime", st));
        if (!spec.hooks.create_container.empty())
            VS_TRY(sys::write_all(hooks.get(), st, "the state for hooks.createContainer"));
        return ok();
    }

    /// The startContainer hooks and the state they get ("created", as when start runs them)
    /// into the memfd vs-init holds, sealed: the child has read its state by now (it has
    /// exec'd vs-init).
    Status pack_start_hooks() {
        if (!rec.start_hooks) return ok();
        auto blob =
            VS_TRY(pack_hooks(spec.hooks.start_container, state_json(rec, State::Created, false)));
        if (::ftruncate(hooks.get(), 0) < 0) return errno_error("truncate the hooks memfd");
        if (::pwrite(hooks.get(), blob.data(), blob.size(), 0) != static_cast<ssize_t>(blob.size()))
            return errno_error("write the startContainer hooks");
        if (::fcntl(hooks.get(), F_ADD_SEALS,
                    F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
            return errno_error("seal the startContainer hooks");
        return ok();
    }

    Status record() {
        rec.pid = child->pidfd.pid();
        rec.start_time = VS_TRY(proc::start_time(rec.pid).wrap("container \"{}\" init", id));
        rec.created = rfc3339_now();
        VS_TRY(pack_start_hooks());
        VS_TRY(save(dir, rec));
        if (!co.pid_file.empty())
            VS_TRY(sys::write_file_atomic(co.pid_file, std::to_string(rec.pid), 0644)
                       .wrap("--pid-file"));
        return ok();
    }
};

}  // namespace

Result<pid_t> create(const Options& opt, const std::string& id, const CreateOptions& co) {
    Create c(opt, id, co);
    VS_TRY(c.check());
    state::GuestLock lk = VS_TRY(lock(c.dir).wrap("container \"{}\"", id));
    if (sys::exists(c.dir + "/state.json"))
        return make_error(EEXIST, "container with id exists: {}", id);
    c.rb.add([&c] { remove_dir(c.dir); });
    auto steps = [&]() -> Status {
        VS_TRY(c.make_cgroup());
        VS_TRY(c.make_fifo());
        VS_TRY(c.prepare());
        VS_TRY(c.spawn());
        VS_TRY(c.send_trees());
        VS_TRY(c.runtime_hooks());
        VS_TRY(c.wait_exec().wrap("create container \"{}\"", id));
        return c.record();
    };
    auto r = steps();
    // The undo runs under the lock: a create waiting for it must find the id free or taken,
    // never half removed.
    if (!r) c.rb.run();
    c.rb.commit();
    if (!r) return std::move(r).error();
    return c.rec.pid;
}

}  // namespace vs::runtime::oci
