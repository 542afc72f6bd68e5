// Scanner: what the trees measured by vdu and vfiles hold, inode by inode, extent by extent.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "diskusage/fiemap.hpp"

namespace vs::diskusage {

/// How many links of an inode one tree holds.
struct Link {
    uint32_t tree = 0;
    uint32_t count = 0;
};

/// One inode, met once or more (hard links) in the trees scanned.
struct InodeRec {
    mode_t mode = 0;
    uint32_t nlink = 0;              ///< the filesystem's link count (all links, anywhere)
    uint32_t domain = 0;             ///< physical address space (Scanner::domains())
    uint64_t size = 0;               ///< st_size: the apparent size
    uint64_t private_bytes = 0;      ///< allocated bytes without a physical address: see Extent
    std::vector<Extent> extents;     ///< regular files: the addressable extents only
    std::vector<Link> links;         ///< per tree holding a link, in scan order
    std::vector<std::string> paths;  ///< with ScanOptions::keep_paths: "/a/b" in its tree
    bool is_dir() const { return S_ISDIR(mode); }
    bool is_regular() const { return S_ISREG(mode); }
    bool any_shared_extent() const;
};

struct ScanOptions {
    bool keep_paths = false;  ///< remember each link's path (vfiles)
};

/// Scans trees one after the other into one inode table, so that a hard link or an extent met
/// in two trees is known to be the same. Each tree is walked with fs::walk on its directory fd
/// (one mount, symlinks never followed, FIFOs and devices never opened); regular files are
/// opened with fs::open_regular (O_PATH checked first) for FIEMAP only, never read. The top
/// directory itself is not counted (as util-vserver's vdu).
class Scanner {
public:
    /// Adds the tree below the open directory `rootfd` (`label` in messages) as the next tree
    /// index. Entries that vanish meanwhile are skipped; mount points inside are skipped and
    /// listed in notes(); a walk that cannot go on (a directory that keeps changing, an I/O
    /// error) fails the tree: its index stays taken, with none of its links kept, so the
    /// other trees' figures do not depend on how far it got.
    Status scan(int rootfd, const std::string& label, const ScanOptions& opt = {});
    /// Takes the next tree index for a tree that could not be opened: it holds nothing.
    void skip(const std::string& label);

    const std::vector<InodeRec>& inodes() const { return inodes_; }
    const std::vector<std::string>& labels() const { return labels_; }
    /// The filesystems (one key per physical address space) met, per tree.
    const std::vector<std::string>& domains() const { return domains_; }
    const std::vector<uint32_t>& tree_domain() const { return tree_domain_; }
    /// Filesystem type per tree ("btrfs", "xfs", "ext4"... from statfs).
    const std::vector<std::string>& tree_fstype() const { return tree_fstype_; }
    /// What was skipped and why (mount points, files whose extents could not be read).
    const std::vector<std::string>& notes() const { return notes_; }

    /// For visitors: records one entry.
    void add_entry(uint32_t tree, int dirfd, const std::string& name, const std::string& path,
                   const struct statx& stx, bool keep_path);
    void note(std::string s) { notes_.push_back(std::move(s)); }

private:
    struct KeyHash {
        size_t operator()(const std::pair<uint64_t, uint64_t>& k) const {
            return std::hash<uint64_t>()(k.first * 0x9e3779b97f4a7c15ULL ^ k.second);
        }
    };
    std::unordered_map<std::pair<uint64_t, uint64_t>, uint32_t, KeyHash> index_;
    std::vector<InodeRec> inodes_;
    std::vector<std::string> labels_, domains_, tree_fstype_, notes_;
    std::vector<uint32_t> tree_domain_;
    std::vector<uint64_t> tree_inode_dev_;  ///< per tree: the dev of its inodes, 0: their st_dev
};

}  // namespace vs::diskusage
