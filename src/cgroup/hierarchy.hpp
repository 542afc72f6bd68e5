// Hierarchy: one mounted cgroup tree (a v1 hierarchy or the cgroup2 tree) and its discovery.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "cgroup/manager.hpp"

namespace vs::cgroup {

struct Hierarchy {
    std::string mount;                     ///< "<root>/cpu,cpuacct", "<root>/unified", "<root>"
    std::vector<std::string> controllers;  ///< v1: from the mount name; v2: cgroup.controllers
    bool v2 = false;
    /// v1 named hierarchy (name=systemd): no controller, joined only so that a cgroup
    /// namespace roots the guest's view of it at its own leaf too.
    bool named = false;
    /// A cgroupfs mount (statfs checked), not a fake tree's directory: its v1 leaves surely
    /// have a `tasks` file.
    bool real = false;

    bool has(const std::string& controller) const;
};

struct Hierarchies {
    std::vector<Hierarchy> v1;
    std::optional<Hierarchy> v2;
};

/// v1 controller names the kernel knows (/proc/cgroups); a v1 mount whose name lists none of
/// these is a named hierarchy.
bool is_v1_controller(const std::string& name);

/// Finds the hierarchies under `root` for `layout`. `real` checks each mount's statfs magic
/// and skips plain directories; fake trees (tests) take every directory by its name.
Result<Hierarchies> discover(const std::string& root, Layout layout, bool real);

/// detect() and discover(root, layout, true) in one pass over the root (what open() does for
/// a real tree: every exec and start opens the guest's cgroups, so each hierarchy is listed
/// and statfs'd once, not once per step).
Result<std::pair<Layout, Hierarchies>> detect_and_discover(const std::string& root);

}  // namespace vs::cgroup
