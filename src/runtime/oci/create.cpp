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
// becomes the init's parent. `run` writes the byte itself before it lets go of the lock, so the
// record is loaded and saved once (Create::release_init).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "cgroup/devices.hpp"
#include "config/oci/to_guest_spec.hpp"
#include "proc/proc_info.hpp"
#include "runtime/oci/create_steps.hpp"
#include "runtime/oci/devices.hpp"
#include "runtime/oci/hooks.hpp"
#include "runtime/oci/rootless.hpp"

namespace vs::runtime::oci {

Status Create::make_cgroup() {
    cgroup::Options o;
    o.parent = rec.cgroup_parent;
    o.name = rec.cgroup_name;
    cg = VS_TRY(cgroup::open(o).wrap("linux.cgroupsPath \"{}\"", spec.linux.cgroups_path));
    if (!cg->exists()) {
        auto made = cg->create();
        // runc's rootless rule: a cgroup the caller may not make is no error while nothing
        // needs one (the container stays in its caller's cgroup).
        if (!made && opt.rootless &&
            (made.error().code == EACCES || made.error().code == EPERM ||
             made.error().code == EROFS))
            return go_without_cgroup(made.error());
        VS_TRY(std::move(made).wrap("create the cgroup of container \"{}\"", id));
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
    // The cgroup2 node, opened once: the device program, the socket guard and the clone into
    // it (CLONE_INTO_CGROUP) take this fd.
    if (!cg->unified_path().empty())
        cg2 = VS_TRY(sys::open(cg->unified_path(), O_PATH | O_DIRECTORY | O_CLOEXEC)
                         .wrap("the cgroup of container \"{}\"", id));
    return apply_devices();
}

Status Create::go_without_cgroup(const Error& why) {
    // Without a cgroup, the container's processes are found through its own pid namespace
    // (ps, kill --all, delete --force): a shared or joined one would give others' processes.
    if (!(new_ns & CLONE_NEWPID))
        return make_error(EPERM,
                          "{}/config.json: linux.namespaces: a rootless container without a "
                          "cgroup its user may write (uid {}: {}) needs a new pid namespace",
                          rec.bundle, ::geteuid(), why.what());
    std::string field = spec.linux.resources ? first_limit(*spec.linux.resources) : "";
    if (!field.empty())
        return make_error(EPERM,
                          "{}/config.json: {}: a rootless container has limits only in a cgroup "
                          "its user may write (uid {}: {}); delegate a cgroup2 directory to it "
                          "and name it in linux.cgroupsPath, or drop the limit",
                          rec.bundle, field, ::geteuid(), why.what());
    log::debug("container \"{}\": no cgroup of its own (rootless: {})", id, why.what());
    cg.reset();
    rec.cgroup_parent.clear();
    rec.cgroup_name.clear();
    return ok();
}

/// Why not both on a hybrid host: the kernel's one device check (devcgroup_check_permission,
/// security/device_cgroup.c) runs the cgroup2 BPF programs and then the v1 controller of the
/// same task, and refuses when either does. With a v1 devices hierarchy mounted, the v1 leaf
/// holding the same rules already refuses everything the program would. A guest cannot widen
/// them (devices.allow wants CAP_SYS_ADMIN in the host's user namespace, devcgroup_update_access,
/// which would let it detach a BPF program just as well) nor get out from under them (a
/// sub-cgroup never gets more than its parent; a guest able to move itself to another v1
/// cgroup could leave its cgroup2 node the same way). The program would only add a verifier
/// run to every create.
Status Create::apply_devices() {
    // Rootless, device rules are left to the host, as in runc's rootless mode: the v1 devices
    // controller and a BPF device program both need privilege over the host, and a user
    // namespace of its own can make no device node and open none its user could not.
    if (opt.rootless) return ok();
    std::vector<spec::oci::DeviceRule> none;
    const auto& rules = spec.linux.resources ? spec.linux.resources->devices : none;
    auto nodes = node_rules(spec.linux.devices);
    for (const auto& n : nodes) rec.device_nodes.push_back(n.text());
    auto state = device_state(rules, nodes);
    std::string v1 = cg->controller_path("devices");
    if (!v1.empty())
        VS_TRY(cgroup::apply_v1_devices(v1, state).wrap(
            "linux.resources.devices of container \"{}\"", id));
    else if (cg2)
        VS_TRY(cgroup::attach_device_program(cg2.get(), cg->unified_path(), state)
                   .wrap("linux.resources.devices of container \"{}\"", id));
    no_device_cgroup = v1.empty() && !cg2 && !rules.empty();
    return ok();
}

Status Create::make_fifo() {
    std::string path = fifo_path(dir);
    if (::mkfifo(path.c_str(), 0600) < 0) return errno_error(fmt::format("mkfifo \"{}\"", path));
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
        if (::mkfifo(sp.c_str(), 0600) < 0) return errno_error(fmt::format("mkfifo \"{}\"", sp));
        start_fifo = VS_TRY(sys::open(sp, O_RDWR | O_CLOEXEC));
    }
    return ok();
}

Status Create::runtime_hooks() {
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

Status Create::pack_start_hooks() {
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

Status Create::release_init() {
    std::string path = fifo_path(dir);
    // Non-blocking: ENXIO instead of a hang when the init is gone (it holds a read end, as
    // do we).
    auto w = VS_TRY(
        sys::open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC).wrap("start container \"{}\"", id));
    if (::write(w.get(), "0", 1) != 1) return errno_error(fmt::format("write \"{}\"", path));
    ::unlink(path.c_str());
    rec.started = true;
    return ok();
}

Status Create::record(bool start_now) {
    rec.pid = child->pidfd.pid();
    rec.start_time = VS_TRY(proc::start_time(rec.pid).wrap("container \"{}\" init", id));
    rec.created = rfc3339_now();
    VS_TRY(pack_start_hooks());
    if (start_now) VS_TRY(release_init());
    VS_TRY(save(dir, rec));
    if (!co.pid_file.empty())
        VS_TRY(
            sys::write_file_atomic(co.pid_file, std::to_string(rec.pid), 0644).wrap("--pid-file"));
    return ok();
}

Result<pid_t> create(const Options& opt, const std::string& id, const CreateOptions& co) {
    auto r = create_record(opt, id, co, false);
    if (!r) return std::move(r).error();
    return r->pid;
}

Result<Record> create_record(const Options& opt, const std::string& id, const CreateOptions& co,
                             bool start) {
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
        // startContainer hooks run in vs-init and report to `start`, which reads them.
        return c.record(start && !c.rec.start_hooks);
    };
    auto r = steps();
    // The undo runs under the lock: a create waiting for it must find the id free or taken,
    // never half removed.
    if (!r) c.rb.run();
    c.rb.commit();
    if (!r) return std::move(r).error();
    return std::move(c.rec);
}

}  // namespace vs::runtime::oci
