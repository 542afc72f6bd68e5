// Directory, xattr and statfs wrappers that sys.hpp lacks (cgroupfs needs the exact errno).
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::sys {

/// mkdir(2) of one directory: true when this call created it, false when it already existed.
Result<bool> mkdir_one(const std::string& path, mode_t mode = 0755);
/// rmdir(2); the Error carries the errno (EBUSY, ENOTEMPTY, ENOENT) for the caller to decide.
Status rmdir(const std::string& path);
/// statfs(2) f_type of the filesystem holding `path` (CGROUP2_SUPER_MAGIC, TMPFS_MAGIC, ...).
Result<long> statfs_type(const std::string& path);
/// setxattr(2) on a path (follows symlinks).
Status set_xattr(const std::string& path, const std::string& name, const std::string& value);
/// getxattr(2): the value, or nullopt-like Error with code ENODATA when absent.
Result<std::string> get_xattr(const std::string& path, const std::string& name);

}  // namespace vs::sys
