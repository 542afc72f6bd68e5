// vfiles' question: which regular files of a tree share nothing (its "specific" files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diskusage/scan.hpp"

namespace vs::diskusage {

struct SpecificFile {
    std::vector<std::string> paths;  ///< every link of the inode in the tree, sorted
    uint64_t size = 0;               ///< st_size
    uint64_t allocated_bytes = 0;    ///< extents plus what has no physical address
};

/// The regular files of tree `tree` that share nothing. With no references (`refs` empty):
/// every link of the inode is in the tree and no extent is flagged FIEMAP_EXTENT_SHARED. With
/// references: no link of the inode is in a reference tree and no extent overlaps an extent of
/// a reference tree (what is shared with anything else does not matter then). Needs the tree
/// scanned with ScanOptions::keep_paths. Sorted by first path.
std::vector<SpecificFile> specific_files(const std::vector<InodeRec>& inodes, uint32_t tree,
                                         const std::vector<uint32_t>& refs, size_t domains);

}  // namespace vs::diskusage
