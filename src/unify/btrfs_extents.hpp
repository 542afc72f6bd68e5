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
/// caller), as extents_of reports them:
/// regular extents by place (contiguous ones merged, as FIEMAP merges them), inline data
/// flagged, compressed or preallocated data not placed, holes left out. Data not yet written
/// back has no item yet, so it is missing from the list, where FIEMAP would say "delalloc": a
/// file being written is not seen as sharing, and the kernel compares its bytes as for any.
/// The search costs one ioctl and no backref walk (FIEMAP looks up whether each extent is
/// shared, which extent sharing does not need). std::nullopt when this fd's filesystem has no
/// such search (it is asked once per filesystem and thread) or the process may not use it
/// (CAP_SYS_ADMIN): FIEMAP is the way then.
Result<std::optional<Extents>> btrfs_extents(int fd, const struct statx& st,
                                             const std::string& what, size_t max);

}  // namespace vs::unify
