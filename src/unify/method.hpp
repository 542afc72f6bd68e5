// Which sharing a guest root's filesystem allows: extent dedupe or immutable hard links.
#pragma once

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

/// Whether any extent of the open file is shared (FIEMAP_EXTENT_SHARED).
Result<bool> has_shared_extents(int fd, const std::string& what);

}  // namespace vs::unify
