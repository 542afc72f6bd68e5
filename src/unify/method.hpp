// Which sharing a guest root's filesystem allows: extent dedupe or immutable hard links.
#pragma once

#include <sys/stat.h>

#include <compare>
#include <cstdint>
#include <vector>

#include "base/result.hpp"
#include "unify/unify.hpp"

namespace vs::unify {

/// btrfs, and XFS made with reflink=1 (its geometry says so), share extents (FIDEDUPERANGE);
/// every other filesystem gets hard links.
Result<Method> detect_method(int rootfd, const std::string& root_path);

/// Deduplicates `size` bytes of `dst` against `src` with FIDEDUPERANGE (ioctl_fideduperange(2)):
/// the kernel locks both ranges and compares them byte for byte before sharing, so different
/// data is never merged. Returns false when they differ.
Result<bool> dedupe(int src, int dst, uint64_t size, const std::string& what);

/// Where a file's data lies (FIEMAP without FIEMAP_FLAG_SYNC: a running guest's dirty pages
/// are not forced out; such data shows as delalloc, not as a place).
struct Extents {
    struct One {
        uint64_t logical, physical, length;
        auto operator<=>(const One&) const = default;
    };
    std::vector<One> list;
    bool inline_data = false;  ///< btrfs keeps (some of) it in its metadata: no extent to share
    bool placed = true;        ///< every extent has a known, aligned, unencoded place
};
/// At most `max` extents are read; a file with more is reported as not placed.
Result<Extents> extents_of(int fd, const std::string& what, size_t max = 256);
/// The same for an fd whose statx `st` the caller checked: on btrfs read from the subvolume's
/// tree (btrfs_extents.hpp), one cheaper ioctl than FIEMAP; elsewhere FIEMAP.
Result<Extents> extents_of(int fd, const struct statx& st, const std::string& what,
                           size_t max = 256);
/// Both files' data is in the same physical extents at the same offsets: they share it already
/// (a snapshot, a reflink copy, an earlier dedupe), and a dedupe would only rewrite metadata.
bool same_extents(const Extents& a, const Extents& b);

/// Whether any extent of the open file is shared (FIEMAP_EXTENT_SHARED).
Result<bool> has_shared_extents(int fd, const std::string& what);

}  // namespace vs::unify
