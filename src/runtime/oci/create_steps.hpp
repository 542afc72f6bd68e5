// The steps of `vsrun create` (create.cpp), shared by the files that hold them: create.cpp
// (state dir, cgroup, FIFOs, hooks, record), create_check.cpp (config.json checked before
// anything exists) and create_child.cpp (the child's plan, its clone and its setup).
#pragma once

#include <sched.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/scope_exit.hpp"
#include "base/unique_fd.hpp"
#include "cgroup/manager.hpp"
#include "lsm/socket_guard.hpp"
#include "proc/spawn.hpp"
#include "runtime/oci/container.hpp"
#include "runtime/oci/init_child.hpp"
#include "runtime/oci/oci.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

struct Create {
    const Options& opt;
    const std::string& id;
    const CreateOptions& co;
    std::string dir;
    spec::oci::Spec spec;
    Record rec;
    std::unique_ptr<cgroup::Manager> cg;  ///< null: no cgroup (rootless, see make_cgroup)
    UniqueFd fifo, helper, console, cg2;
    /// The hooks memfd and the start FIFO (ChildPlan::hooks_fd, start_fd).
    UniqueFd hooks, start_fifo;
    std::vector<UniqueFd> ns_fds;
    UniqueFd pid_ns;
    std::string pid_ns_what;  ///< linux.namespaces[i].path "..." of pid_ns, for its error
    /// Device rules were asked for but the host has neither a v1 devices controller nor a
    /// cgroup2 node for the container to hold them: CAP_MKNOD is withheld instead.
    bool no_device_cgroup = false;
    uint64_t new_ns = CLONE_NEWNS;
    runtime::oci::ChildPlan plan;
    std::vector<size_t> idmapped;  ///< mounts[] indexes of the idmapped binds, in tree order
    std::vector<cgroup::Manager::SelfJoin> self_join;
    lsm::FamilyGuard socket_guard;  ///< what guard_sockets attached and replaced, for the undo
    std::optional<proc::Child> child;
    Rollback rb;

    Create(const Options& o, const std::string& i, const CreateOptions& c)
        : opt(o), id(i), co(c), dir(container_dir(o, i)) {}
    /// Everything that can fail before anything exists: the config, the fds asked for.
    Status check();
    /// The container's cgroup, with its limits and device rules. Rootless, where the caller
    /// may not make it, none (`cg` null, the record's cgroup names empty) unless config.json
    /// asks for limits.
    Status make_cgroup();
    Status go_without_cgroup(const Error& why);
    /// linux.resources.devices, runc's defaults and the linux.devices nodes: the v1 devices
    /// controller where there is one, else a BPF device program on the cgroup2 node.
    Status apply_devices();
    Status make_fifo();
    Status prepare();
    /// The process's capability sets (oci_cap_sets) and rlimits into the plan, CAP_MKNOD
    /// withheld where no device cgroup holds the device rules.
    Status plan_caps();
    /// The BPF LSM socket guard from linux.seccomp on the cgroup2 node (socket_guard.hpp), set
    /// before the init exists there; undone on rollback.
    Status guard_sockets();
    /// Whether the container's /sys can be a sysfs of its own: mounting one needs CAP_SYS_ADMIN
    /// over the owner of its network namespace (sysfs(5)). Where the container's user namespace
    /// lacks it (a network namespace joined by path that it does not own, as one from `ip netns
    /// add`), /sys is the host's, bound read-only with its submounts (mount::build_plan), as
    /// runc falls back to when the sysfs mount fails; so is it without a network namespace.
    Result<bool> sysfs_mountable() const;
    Status spawn();
    /// The container's init, cloned into its new namespaces from inside the namespaces it
    /// joins by path, by a short-lived joiner process (see create_child.cpp). Fault point
    /// (base/fault.hpp): oci-handover, in the joiner once it has made the init and handed
    /// over its pidfd.
    Result<proc::Child> spawn_joined(const proc::SpawnOptions& so, const proc::ChildMain& init);
    /// The idmapped binds' trees, made here (idmapping needs CAP_SYS_ADMIN over the
    /// filesystem, which the child in its user namespace lacks) and sent to the child before
    /// Go, in the order of their Op::tree. A mount without its own mappings takes the
    /// container's user namespace: new (the child's, mapped by now) or joined by path.
    Status send_trees();
    /// Go, then the child's Exec (right before it becomes vs-init) and EOF (close-on-exec).
    Status wait_exec();
    /// prestart and createRuntime: on the host, once the namespaces exist and before the
    /// child builds the root (it waits for Go), given the state with status "creating". The
    /// same state goes into the hooks memfd for the child's createContainer hooks.
    Status runtime_hooks();
    /// The startContainer hooks and the state they get ("created", as when start runs them)
    /// into the memfd vs-init holds, sealed: the child has read its state by now (it has
    /// exec'd vs-init).
    Status pack_start_hooks();
    /// The record and --pid-file; with `start_now` (`run`), the init is let go first
    /// (release_init), so the record is written once, as started.
    Status record(bool start_now);
    /// What `start` does to a created container, done by `run` under create's lock with the
    /// record at hand: one byte on the exec FIFO, which vs-init waits on.
    Status release_init();
};

/// create, returning the container's record; with `start` (`run`) the init is also let go
/// before the lock is released, unless startContainer hooks need `start`'s report (then
/// `record.started` stays false and the caller runs start).
Result<Record> create_record(const Options& opt, const std::string& id, const CreateOptions& co,
                             bool start);

}  // namespace vs::runtime::oci
