// Listing only the subdirectories of a directory, from readdir's d_type (no stat per entry).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::sys {

/// Names of the subdirectories of `path` (not "." or ".."; symlinks are not followed), sorted.
/// Uses d_type, so a cgroup directory with dozens of control files costs one getdents64
/// instead of one stat per file; entries whose filesystem reports DT_UNKNOWN are lstat'ed.
Result<std::vector<std::string>> list_subdirs(const std::string& path);

}  // namespace vs::sys
