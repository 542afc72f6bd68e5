// Membership: which running guest each pid belongs to, from the guests' cgroups.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::procview {

/// A guest with a live cgroup (a "context" in util-vserver's words).
struct Guest {
    std::string name;
    std::optional<uint32_t> xid;  ///< the `context` file of its config dir; nullopt if none
    std::string cgroup_dir;       ///< its cgroup in the hierarchy membership was read from
    std::vector<pid_t> pids;      ///< every process in its cgroup subtree
};

/// The guest's xid from paths.guest_config(name)/context, cached for the life of the object
/// because a running guest's context does not change.
class XidCache {
public:
    explicit XidCache(config::Paths paths) : paths_(std::move(paths)) {}
    std::optional<uint32_t> xid(const std::string& name);
    const config::Paths& paths() const { return paths_; }

private:
    config::Paths paths_;
    std::map<std::string, std::optional<uint32_t>> cache_;
};

/// A snapshot of every guest cgroup's members. Read it AFTER reading the processes it labels:
/// a process that joins a guest meanwhile is then labelled with that guest, and a pid missing
/// from every guest is a host process (or one that has exited since).
struct Membership {
    std::vector<Guest> guests;             ///< sorted by name
    std::unordered_map<pid_t, int> index;  ///< pid -> position in guests

    /// -1 for the host (context 0).
    int guest_of(pid_t pid) const {
        auto it = index.find(pid);
        return it == index.end() ? -1 : it->second;
    }
    const Guest* find(const std::string& name) const;
};

/// The directory that holds the guests' cgroups in the first hierarchy that has it:
/// cgroup2 root (pure v2), then v1 pids, the hybrid unified node, memory, cpuacct, cpu, freezer.
/// Empty when no guest cgroup parent exists anywhere (no guest ever started).
std::string membership_parent_dir(const config::Paths& paths);

/// Reads cgroup.procs of every guest cgroup (recursively: a guest may create sub-cgroups).
Result<Membership> snapshot_membership(XidCache& xids);

/// "xid name" as vps prints it: "0 MAIN" for the host, "? name" for a guest without context.
std::string context_label(const Guest* g);

/// Resolves a --context/--xid argument (a guest name, an xid, "0" or "MAIN" for the host).
/// Returns -1 for the host, the guest's index, or an error naming the value.
Result<int> resolve_context(const Membership& m, const std::string& arg);

}  // namespace vs::procview
