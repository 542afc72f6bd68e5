// The accounting of vdu: exclusive and shared bytes and inodes per tree, and once in all.
#pragma once

#include <cstdint>
#include <vector>

#include "diskusage/scan.hpp"

namespace vs::diskusage {

/// Allocated bytes are what the filesystem allocated for the data (FIEMAP extents; st_blocks
/// for what has no extents), each physical byte once; apparent bytes are st_size.
struct Usage {
    uint64_t apparent_bytes = 0;
    uint64_t exclusive_bytes = 0;  ///< freed if this tree were removed
    uint64_t shared_bytes = 0;     ///< also referenced elsewhere; counted once here
    /// Of exclusive + shared: bytes with no extent of their own on disk, counted from st_blocks
    /// or FIEMAP's length (btrfs inline data, delayed allocation, directories, symlinks).
    /// btrfs filesystem du leaves these out; no extent dedupe can share them.
    uint64_t no_extent_bytes = 0;
    uint64_t inodes = 0;
    uint64_t exclusive_inodes = 0;  ///< all links of the inode are in this tree
    uint64_t shared_inodes = 0;     ///< hard-linked from another tree or from outside
    uint64_t allocated_bytes() const { return exclusive_bytes + shared_bytes; }
};

struct Report {
    std::vector<Usage> trees;  ///< per tree, in the scanner's order
    /// All trees together, each inode and each physical byte once: exclusive = the sum of the
    /// trees' exclusive bytes; shared = the union of everything shared.
    Usage total;
};

/// An inode is shared by a tree when another tree or something outside the trees scanned
/// links it too (its link count exceeds the links the tree holds); a directory never is. A
/// byte is shared when its inode is, or when the filesystem flags its extent
/// FIEMAP_EXTENT_SHARED (a reflink, a dedupe, a snapshot, in or outside the trees).
Report account(const Scanner& s);

/// The same accounting over plain data (the scanner's tables), for tests with fake extents.
Report account(const std::vector<InodeRec>& inodes, size_t trees, size_t domains);

}  // namespace vs::diskusage
