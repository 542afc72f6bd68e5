// cgroup::Manager: one guest's cgroup (its "context") behind one interface for v1, v2 and hybrid.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
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
    uint64_t oom_kills = 0;
};

class Manager {
public:
    virtual ~Manager() = default;
    virtual Layout layout() const = 0;
    /// Creates the guest's cgroup in every hierarchy (idempotent: an existing one is reused).
    virtual Status create() = 0;
    virtual bool exists() const = 0;
    /// Writes resource limits; a value the kernel refuses names the file and the value.
    virtual Status apply(const spec::Resources& r) = 0;
    /// Moves a process into the guest's cgroup in every hierarchy.
    virtual Status add_pid(pid_t pid) = 0;
    /// All pids in the guest's cgroup subtree (v2: cgroup.procs recursively; v1: one hierarchy).
    virtual Result<std::vector<pid_t>> pids() const = 0;
    virtual Status freeze(bool frozen) = 0;
    /// Kills every process and returns once the cgroup is empty (v2 cgroup.kill; v1 freeze +
    /// SIGKILL + thaw until empty), so a fork loop cannot outrun it.
    virtual Status kill_all() = 0;
    /// Signals every process once (for stop's killseq steps that are not SIGKILL).
    virtual Status signal_all(int sig) = 0;
    virtual Result<Stats> stats() const = 0;
    /// Removes the cgroup from every hierarchy; it must be empty (call kill_all first).
    virtual Status destroy() = 0;
    /// The cgroup2 directory of this guest (v2: its cgroup; hybrid: its node under unified/),
    /// used for CLONE_INTO_CGROUP, cgroup BPF programs and cgroup namespaces; "" on pure v1.
    virtual std::string unified_path() const = 0;
    /// Path in the hierarchy that holds `controller` ("memory", "pids", ...), "" if none.
    virtual std::string controller_path(const std::string& controller) const = 0;
};

Result<Layout> detect(const std::string& root = "/sys/fs/cgroup");
Result<std::unique_ptr<Manager>> open(const Options& opt);

/// The guest a process belongs to, from /proc/<pid>/cgroup: the path component right after
/// `parent`. nullopt for host processes. `cgroup_file` is the text of /proc/<pid>/cgroup.
std::optional<std::string> guest_from_proc_cgroup(const std::string& cgroup_file,
                                                  const std::string& parent);

}  // namespace vs::cgroup
