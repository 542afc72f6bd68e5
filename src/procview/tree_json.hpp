// vpstree --json: the process forest as nested objects (schema: docs/json/vpstree.schema.json).
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "procview/membership.hpp"
#include "procview/scanner.hpp"
#include "procview/tree.hpp"

namespace vs::procview {

/// The roots (as render_tree picks them for `o.only`), each {"pid", "ppid", "comm",
/// "cmdline" (with o.cmdline, else absent), "xid" (null for a guest without context),
/// "guest" (null for the host), "children": [...]}, children sorted by pid.
nlohmann::json tree_json(const std::vector<Proc>& procs, const Membership& m, const TreeOptions& o);

}  // namespace vs::procview
