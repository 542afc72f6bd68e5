// A regular file's extents through the FS_IOC_FIEMAP ioctl (Documentation/filesystems/fiemap.rst).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::diskusage {

struct Extent {
    uint64_t logical = 0;   ///< offset in the file
    uint64_t physical = 0;  ///< address on the filesystem; meaningless when !addressable
    uint64_t length = 0;    ///< bytes (the logical length; see docs/unification.md on compression)
    bool shared = false;    ///< FIEMAP_EXTENT_SHARED: the filesystem says another reference exists
    /// False for inline data (btrfs keeps small files in its metadata), delayed allocation and
    /// any extent whose location the filesystem does not report (FIEMAP_EXTENT_UNKNOWN): such
    /// bytes belong to the inode, and only a hard link can share them.
    bool addressable = true;
};

/// Every extent of the open regular file `fd` (`name` for messages), in logical order. Without
/// FIEMAP_FLAG_SYNC: a measuring tool must not force a running guest's dirty pages to disk, so
/// data not yet allocated shows as not addressable. EOPNOTSUPP where the filesystem has no
/// FIEMAP (tmpfs, some FUSE filesystems).
Result<std::vector<Extent>> file_extents(int fd, const std::string& name);

}  // namespace vs::diskusage
