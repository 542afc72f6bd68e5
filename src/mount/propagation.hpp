// The propagation of a guest's mount namespace around its root: "/" before the root is bound
// (MakeRslave ops) and the new "/" after pivot_root (PivotRoot ops).
#pragma once

#include "base/result.hpp"
#include "mount/plan.hpp"

namespace vs::mount {

/// MakeRslave: "/" recursively slave (nothing mounted in the guest reaches the host), or
/// Op::propagation instead, after which the mount holding the root (Op::source) is made
/// private, or slave when MS_SLAVE is asked, so the root's bind propagates nowhere: with a
/// shared "/" it would show up in the host's namespace.
Status root_propagation(const Op& o);

/// PivotRoot, after the pivot: a shared or unbindable new "/" (Op::propagation). Not before:
/// pivot_root(2) refuses a shared new root.
Status new_root_propagation(const Op& o);

}  // namespace vs::mount
