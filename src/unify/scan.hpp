// Phase one of a run: the walk over one guest's tree that lists the files worth hashing.
#pragma once

#include <sys/stat.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "unify/exclude.hpp"

namespace vs::unify {

/// A regular file found by the walk; `rel` is relative to the guest root ("usr/bin/ls").
struct Found {
    std::string rel;
    struct statx stx;
};

/// (st_dev, st_ino) of a file.
using InodeId = std::pair<uint64_t, uint64_t>;
InodeId inode_id(const struct statx& s);

struct ScanCounts {
    uint64_t files = 0, excluded = 0, conffiles = 0, small = 0, special = 0;
    uint64_t temps_removed = 0;
    /// The names the walk met of each regular file with more than one link (excluded ones
    /// too, but not those below an excluded directory, which is not entered): when they are
    /// fewer than st_nlink, a name lies outside the walked tree.
    std::map<InodeId, uint32_t> names;
};

struct ScanRules {
    const ExcludeList* excludes = nullptr;
    const std::set<std::string>* conffiles = nullptr;
    uint64_t min_size = 16;
    bool remove_temps = true;  ///< remove names a killed run left (file_ops.hpp kTempPrefix)
};

/// Walks the open guest root `rootfd` through fs::walk (directory fds, one mount, nothing but
/// directories opened) and returns its regular files that are neither excluded nor conffiles
/// nor smaller than min_size. Symlinks, FIFOs, sockets and devices are counted, never opened.
Result<std::vector<Found>> scan(int rootfd, const std::string& root_path, const ScanRules& r,
                                ScanCounts& counts);

/// Every regular file of the tree (for undo): nothing excluded.
Result<std::vector<Found>> scan_all(int rootfd, const std::string& root_path);

}  // namespace vs::unify
