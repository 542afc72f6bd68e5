// Directory listings from readdir's d_type (no stat per entry): subdirectories, typed entries.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::sys {

/// Names of the subdirectories of `path` (not "." or ".."; symlinks are not followed), sorted.
/// Uses d_type, so a cgroup directory with dozens of control files costs one getdents64
/// instead of one stat per file; entries whose filesystem reports DT_UNKNOWN are lstat'ed.
Result<std::vector<std::string>> list_subdirs(const std::string& path);

/// What an entry is, not following a symlink.
enum class EntryType { File, Dir, Link, Other };
struct DirEntry {
    std::string name;
    EntryType type;
};
/// The entries of `path` (not "." or ".."), sorted by name, typed from d_type (lstat where the
/// filesystem reports DT_UNKNOWN): the config loader reads a guest's files without a readlink
/// and a stat for each.
Result<std::vector<DirEntry>> list_entries(const std::string& path);

}  // namespace vs::sys
