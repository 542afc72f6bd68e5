// A Debian guest's package configuration files (dpkg conffiles), which hashify never shares.
#pragma once

#include <set>
#include <string>

#include "base/result.hpp"

namespace vs::unify {

/// The conffiles dpkg records in the guest whose root is the open directory `rootfd`: every
/// `var/lib/dpkg/info/*.conffiles` and the `Conffiles:` fields of `var/lib/dpkg/status`. The
/// guest owns these files, so they are read as hostile: through openat2 inside the root, never
/// crossing a mount, regular files only, each capped in size. A guest without dpkg has none.
Result<std::set<std::string>> dpkg_conffiles(int rootfd, const std::string& root_path);

}  // namespace vs::unify
