// What vdu and vfiles measure: guests (by name, context number or all) or admin-given dirs.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "config/paths.hpp"

namespace vs::diskusage {

struct Target {
    std::string name;  ///< the guest's name, or the directory as given
    std::string root;  ///< absolute path of the tree
    bool guest = true;
};

/// A guest by name, or by context number (util-vserver's `--xid`): the guest whose `context`
/// file holds it. Its root is the configured vdir. Fails naming the guest when it has no
/// config dir or its config does not load.
Result<Target> guest_target(const config::Paths& paths, const std::string& name_or_xid);

/// The names of every guest with a config dir, sorted.
Result<std::vector<std::string>> guest_names(const config::Paths& paths);

/// Opens the tree's top directory. A guest's root comes from the admin's config; a directory
/// given on the command line is opened without following any symlink in any component
/// (it may lie inside a guest, where the guest could have planted one).
Result<UniqueFd> open_target(const Target& t);

}  // namespace vs::diskusage
