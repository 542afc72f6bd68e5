// The leaf cgroup that processes joining a guest with a delegated cgroup2 subtree go to.
#pragma once

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::cgroup {

/// Name of the leaf below a delegated guest cgroup that `exec`, `enter` and the guest commands
/// of start/stop join. cgroup2's "no internal processes" rule refuses a process in a cgroup
/// whose cgroup.subtree_control enables a controller (EBUSY), and a guest's systemd enables
/// them in its root, which is the guest's cgroup; a process sitting there would also make
/// systemd's own write to subtree_control fail. The dot keeps it out of systemd's unit names.
inline constexpr const char* kJoinLeaf = ".vserver-join";

/// Opens (O_PATH) `dir`/kJoinLeaf, creating it if absent. The guest owns `dir` and may remove
/// the leaf or make its own under that name; one the host root did not make (not owned by
/// uid 0) is refused naming it, so a joining process never lands in a cgroup the guest shaped.
Result<UniqueFd> open_join_leaf(const std::string& dir);

}  // namespace vs::cgroup
