// cgroup::Manager: one guest's cgroup (its "context") behind one interface for v1, v2 and hybrid.
//
// Where a guest lives: <root>/<hierarchy>/<parent>/<name> in every mounted v1 hierarchy and
// <root>/<parent>/<name> (v2) or <root>/unified/<parent>/<name> (hybrid) in cgroup2. v1 named
// hierarchies (name=systemd) are joined too: they carry no limits, but a cgroup namespace then
// roots the guest's view of them at its own leaf instead of the host's root, and a systemd
// guest finds its own subtree there. Each controller is used where it is bound: a v1 hierarchy
// if one holds it, else cgroup2 (hybrid: hugetlb on this CI machine).
//
// Ownership: create() marks every directory it makes (xattr trusted.vserver-ng.created, or
// user.* on fake trees); destroy() removes the leaf (and cgroups the guest made below it) and
// then only marked, empty parents. Pre-existing parents and the host's cgroups are never
// removed. On cgroup2, create() enables cpuset/cpu/io/memory/pids in cgroup.subtree_control
// from the root down to the leaf's parent where offered and not yet on (never in the leaf);
// other controllers (hugetlb, rdma, misc) are enabled only when apply() needs them.
#pragma once

#include <unistd.h>

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "spec/guest_spec.hpp"

namespace vs::cgroup {

enum class Layout {
    V1,      ///< only v1 hierarchies under /sys/fs/cgroup/<controller>
    V2,      ///< cgroup2 mounted at /sys/fs/cgroup
    Hybrid,  ///< v1 controllers plus cgroup2 at /sys/fs/cgroup/unified (this CI machine)
};
const char* layout_name(Layout l);

struct Options {
    std::string root = "/sys/fs/cgroup";  ///< tests point this at a fake tree
    std::string parent = "vserver";       ///< VSERVER_CGROUP_PARENT, may contain '/'
    std::string name;                     ///< guest name: the leaf
    /// Forces the layout and skips the statfs checks: for fake cgroupfs trees in tests, where
    /// every directory under `root` is a plain directory. Real hosts leave it unset (detect()).
    std::optional<Layout> layout;
    /// Bound for kill_all() and freeze() to see the cgroup empty or frozen.
    int timeout_ms = 10000;
};

struct Stats {
    uint64_t cpu_user_us = 0, cpu_system_us = 0;
    uint64_t memory_current = 0, memory_peak = 0;
    uint64_t pids_current = 0;
    std::optional<uint64_t> pids_max;  ///< nullopt: "max" or no pids controller
    uint64_t oom_kills = 0;
};

class Manager {
public:
    virtual ~Manager() = default;
    virtual Layout layout() const = 0;
    /// Creates the guest's cgroup in every hierarchy (idempotent: an existing one is reused).
    /// v1 cpuset dirs get cpuset.cpus/mems copied from their parent (tasks are refused until
    /// then). On failure, the directories this call made are removed again.
    virtual Status create() = 0;
    /// True when the leaf exists in any hierarchy (a half-removed guest still needs destroy()).
    virtual bool exists() const = 0;
    /// Writes resource limits; a value the kernel refuses names the file and the value.
    virtual Status apply(const spec::Resources& r) = 0;
    /// Moves a process into the guest's cgroup in every hierarchy.
    virtual Status add_pid(pid_t pid) = 0;
    /// Moves the calling process, which must be single-threaded (a freshly cloned child), into
    /// the guest's cgroup: v1 hierarchies by writing "0" to their `tasks` file, cgroup2 only
    /// when `unified` is set. The kernel moves a single `current` thread without the global
    /// threadgroup lock, whose RCU grace period makes the first cgroup.procs write of a
    /// process cost milliseconds (the biggest single cost of a start on v1/hybrid hosts).
    virtual Status join_self(bool unified) {
        (void)unified;
        return add_pid(::getpid());
    }
    /// join_self in two halves, for a child whose own credentials may not write the files:
    /// open_self_join opens them in the caller (cgroup v1 checks the writer against the
    /// opener's credentials, of->file->f_cred), the child writes "0" to each fd with
    /// write_self_join. start uses it for a user-namespaced guest, whose first process is not
    /// kuid 0 (its namespace is owned by the guest's base uid).
    struct SelfJoin {
        std::string dir;  ///< for the error
        UniqueFd fd;
    };
    virtual Result<std::vector<SelfJoin>> open_self_join(bool unified) const = 0;
    /// Async-signal-safe apart from the error path (runs in a freshly cloned child).
    static Status write_self_join(const std::vector<SelfJoin>& files) {
        for (const auto& f : files)
            if (::write(f.fd.get(), "0", 1) != 1)
                return errno_error(fmt::format("join cgroup \"{}\"", f.dir));
        return ok();
    }
    /// The files join_self writes "0" to for the v1 hierarchies (each leaf's `tasks`), for a
    /// caller that records them once (exec's join profile) and writes them later from a vfork
    /// child, where no allocation or lookup is wanted. Empty where join_self does not use them.
    virtual std::vector<std::string> self_join_files() const { return {}; }
    /// All pids in the guest's cgroup subtree, sorted (cgroup.procs recursively of one
    /// hierarchy: cgroup2 when there is one, else v1 pids/freezer). Empty if no cgroup.
    virtual Result<std::vector<pid_t>> pids() const = 0;
    /// Freezes or thaws and waits (Options::timeout_ms) until done: cgroup.freeze when the
    /// guest has a cgroup2 node (frozen tasks there still die on SIGKILL), else v1 freezer.
    virtual Status freeze(bool frozen) = 0;
    /// Kills every process and returns once the cgroup is empty (v2 cgroup.kill; v1 freeze +
    /// SIGKILL + thaw until empty), so a fork loop cannot outrun it. "Empty": no live task in
    /// any hierarchy (cgroup.events "populated 0", cgroup.procs empty); dead tasks that their
    /// parent has not reaped yet still count in pids.current. ETIMEDOUT after timeout_ms,
    /// naming the pids left. Only processes inside the guest's cgroup are signalled.
    virtual Status kill_all() = 0;
    /// Signals every process once (for stop's killseq steps that are not SIGKILL): those pids()
    /// lists, the hierarchy a guest cannot leave (its view of cgroupfs is read-only); processes
    /// already gone are not an error. The thorough union of all hierarchies is kill_all's.
    virtual Status signal_all(int sig) = 0;
    /// cpu user/system (v1 cpuacct.stat, USER_HZ -> us; v2 cpu.stat), memory current/peak
    /// (v1 usage/max_usage_in_bytes; v2 memory.current/peak, peak 0 before 5.19), pids.current,
    /// OOM kills (v1 memory.oom_control, v2 memory.events oom_kill). A controller that is not
    /// there leaves its figures 0. ENOENT when the guest has no cgroup.
    virtual Result<Stats> stats() const = 0;
    /// Removes the cgroup from every hierarchy; it must be empty (call kill_all first). Retries
    /// EBUSY briefly. Idempotent. The parent stays, shared by the guests (as systemd's
    /// machine.slice or Docker's docker/ do): making and removing it in every hierarchy would
    /// add a mkdir and an rmdir per hierarchy to every start+stop. remove_unused_parents()
    /// takes it away.
    virtual Status destroy() = 0;
    /// destroy() for a guest whose processes should all be gone (stop, after its killseq): one
    /// rmdir per hierarchy, cgroup2 first, without walking or waiting. The kernel refuses the
    /// rmdir of a cgroup that holds a live task, so true proves the guest empty everywhere;
    /// false at the first busy hierarchy (what was removed stays removed), and the caller then
    /// runs kill_all() and destroy().
    virtual Result<bool> destroy_if_empty() = 0;
    /// Removes the parents that create() made (they carry our marker) once no cgroup is below
    /// them; a parent that predates vserver-ng belongs to the host and stays. `vserver NAME
    /// delete` calls it, so deleting the last guest leaves the cgroup tree as it was.
    virtual void remove_unused_parents() = 0;
    /// The cgroup2 directory of this guest (v2: its cgroup; hybrid: its node under unified/),
    /// used for CLONE_INTO_CGROUP, cgroup BPF programs and cgroup namespaces; "" on pure v1.
    virtual std::string unified_path() const = 0;
    /// Path in the hierarchy that holds `controller` ("memory", "pids", ...), "" if none.
    virtual std::string controller_path(const std::string& controller) const = 0;
};

/// statfs magic: cgroup2 at `root` -> V2; else (a tmpfs) v1 mounts below -> V1, plus a cgroup2
/// mount below (unified/) -> Hybrid. ENOENT when nothing is mounted.
Result<Layout> detect(const std::string& root = "/sys/fs/cgroup");
/// Detects (or takes Options::layout), finds the hierarchies and returns the guest's manager.
/// Touches nothing on disk. EINVAL for a name or parent component that is empty, ".", ".."
/// or holds '/'.
Result<std::unique_ptr<Manager>> open(const Options& opt);

/// True when the guest is frozen or freezing in the v1 freezer or by cgroup2's cgroup.freeze
/// (cgroup/frozen.cpp): its tasks run nothing, not even a signal handler, until thawed.
bool is_frozen(const Manager& cg);
/// Thaws the guest in both freezers, where frozen. Call after queueing SIGKILL to its tasks,
/// so they die at once instead of running again.
Status thaw_all(const Manager& cg);

/// The guest a process belongs to, from /proc/<pid>/cgroup: the path component right after
/// `parent`. nullopt for host processes. `cgroup_file` is the text of /proc/<pid>/cgroup.
std::optional<std::string> guest_from_proc_cgroup(const std::string& cgroup_file,
                                                  const std::string& parent);

}  // namespace vs::cgroup
