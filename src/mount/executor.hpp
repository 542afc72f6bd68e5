// Executing a mount::Plan in the guest's child (new mount namespace, before pivot_root).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "mount/plan.hpp"

namespace vs::mount {

/// Runs every op of `plan` in order against the guest root at host path `root`. Runs in the
/// child, which must be in its own mount namespace (and pid/net/ipc namespaces for /proc,
/// /sys and mqueue to show the guest's). Ends with the process's root and cwd at the guest
/// root when the plan has a PivotRoot op. Errors name the op and the guest path.
/// `root_fd`: an O_PATH fd of the root opened by the host side (needed in a user namespace,
/// whose ids may not traverse the path to the root); -1 opens `root` here.
/// `idmapped_root`: a detached tree (mount::idmapped_tree) attached as the root instead of a
/// plain copy of it; -1: none.
/// `lxcfs_fd`: an O_PATH fd of the shared lxcfs mount, the base of Op::lxcfs binds; -1: none.
/// `before_pivot`: runs right before the PivotRoot op, every mount made and the host's tree
/// still reachable (OCI's createContainer hooks); its failure fails the plan.
/// `trees`: detached mount trees the host made, attached by Bind ops with Op::tree >= 0.
Status execute(const Plan& plan, const std::string& root, int root_fd = -1, int idmapped_root = -1,
               int lxcfs_fd = -1, const std::function<Status()>& before_pivot = {},
               const std::vector<int>& trees = {});

}  // namespace vs::mount
