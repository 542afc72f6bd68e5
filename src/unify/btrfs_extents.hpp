// A btrfs file's extents read from its subvolume's tree (BTRFS_IOC_TREE_SEARCH_V2) instead of
// FIEMAP, for extents_of.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "unify/method.hpp"

namespace vs::unify {

/// The file extent items of the inode open at `fd` on btrfs (`st`: its statx, checked by the
/// caller), as extents_of reports them: regular extents by place (contiguous ones merged, as
/// FIEMAP merges them), inline data flagged and not placed, compressed or preallocated data not
/// placed, holes left out. The search costs one ioctl and no backref walk (FIEMAP looks up
/// whether each extent is shared, which extent sharing does not use).
/// Data not yet written back has no item yet. New data (past the end, in a hole) is counted in
/// st_blocks: such a file goes to FIEMAP, which reports it as delalloc. An overwrite not yet
/// written back shows the old items: vhashify syncs the filesystem after its walk and before
/// sharing, and a write after the walk moves the times its checks compare.
/// std::nullopt when FIEMAP is the way: such data, a filesystem without this search (asked once
/// per filesystem and thread), or a process that may not use it (CAP_SYS_ADMIN).
Result<std::optional<Extents>> btrfs_extents(int fd, const struct statx& st,
                                             const std::string& what, size_t max);

}  // namespace vs::unify
