// account(): range unions per tree and per filesystem, so every physical byte counts once.
#include "diskusage/account.hpp"

#include "diskusage/range_set.hpp"

namespace vs::diskusage {

namespace {

// Whether tree `l.tree` shares inode `r`: another tree links it, or a link outside the trees.
bool inode_shared_by(const InodeRec& r, const Link& l) {
    if (r.is_dir()) return false;  // a directory's link count counts its subdirectories
    return r.links.size() > 1 || r.nlink > l.count;
}

bool inode_shared_at_all(const InodeRec& r) {
    if (r.is_dir()) return false;
    uint64_t seen = 0;
    for (auto& l : r.links) seen += l.count;
    return r.links.size() > 1 || r.nlink > seen;
}

}  // namespace

Report account(const Scanner& s) {
    return account(s.inodes(), s.labels().size(), s.domains().size());
}

Report account(const std::vector<InodeRec>& inodes, size_t trees, size_t domains) {
    Report rep;
    rep.trees.resize(trees);
    // Per tree and filesystem: the tree's exclusive and shared ranges; per filesystem: all
    // shared ranges of every tree (what the total counts once).
    std::vector<std::vector<RangeSet>> excl(trees, std::vector<RangeSet>(domains));
    std::vector<std::vector<RangeSet>> shared(trees, std::vector<RangeSet>(domains));
    std::vector<RangeSet> all_shared(domains), all_excl(domains);
    for (const InodeRec& r : inodes) {
        for (const Link& l : r.links) {
            Usage& u = rep.trees[l.tree];
            const bool inode_shared = inode_shared_by(r, l);
            u.apparent_bytes += r.size;
            u.inodes++;
            (inode_shared ? u.shared_inodes : u.exclusive_inodes)++;
            (inode_shared ? u.shared_bytes : u.exclusive_bytes) += r.private_bytes;
            u.no_extent_bytes += r.private_bytes;
            for (const Extent& e : r.extents) {
                if (inode_shared || e.shared)
                    u.shared_bytes += shared[l.tree][r.domain].add(e.physical, e.length);
                else
                    u.exclusive_bytes += excl[l.tree][r.domain].add(e.physical, e.length);
            }
        }
        if (r.links.empty()) continue;  // met only in a tree whose walk failed
        Usage& t = rep.total;
        const bool inode_shared = inode_shared_at_all(r);
        t.apparent_bytes += r.size;
        t.inodes++;
        (inode_shared ? t.shared_inodes : t.exclusive_inodes)++;
        (inode_shared ? t.shared_bytes : t.exclusive_bytes) += r.private_bytes;
        t.no_extent_bytes += r.private_bytes;
        for (const Extent& e : r.extents) {
            // An extent neither flagged nor reached through a shared inode has this one
            // reference: it is in exactly one tree's exclusive set.
            if (inode_shared || e.shared)
                t.shared_bytes += all_shared[r.domain].add(e.physical, e.length);
            else
                t.exclusive_bytes += all_excl[r.domain].add(e.physical, e.length);
        }
    }
    return rep;
}

}  // namespace vs::diskusage
