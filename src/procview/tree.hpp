// vpstree: the process forest as text, with a guest label wherever the context changes.
#pragma once

#include <string>
#include <vector>

#include "procview/membership.hpp"
#include "procview/scanner.hpp"

namespace vs::procview {

struct TreeOptions {
    /// -2: the whole host; -1: host processes only; i >= 0: only m.guests[i], rooted at its
    /// processes whose parent is outside the guest (its init, and anything joined by exec).
    int only = -2;
    bool cmdline = false;  ///< label nodes with the command line instead of comm
};

/// One line per process: "|-comm(pid)", children sorted by pid, and " [xid name]" after the
/// roots and after every process whose context differs from its parent's.
std::string render_tree(const std::vector<Proc>& procs, const Membership& m, const TreeOptions& o);

}  // namespace vs::procview
