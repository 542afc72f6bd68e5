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

// Counts inode `r` in `u`. An extent neither flagged nor reached through a shared inode has this
// one reference and goes to `excl`; the others go to `shared`. Each set counts a physical byte
// once, however many inodes reach it.
void add_inode(Usage& u, const InodeRec& r, bool inode_shared, RangeSet& shared, RangeSet& excl) {
    u.apparent_bytes += r.size;
    u.inodes++;
    (inode_shared ? u.shared_inodes : u.exclusive_inodes)++;
    (inode_shared ? u.shared_bytes : u.exclusive_bytes) += r.private_bytes;
    u.no_extent_bytes += r.private_bytes;
    for (const Extent& e : r.extents) {
        if (inode_shared || e.shared)
            u.shared_bytes += shared.add(e.physical, e.length);
        else
            u.exclusive_bytes += excl.add(e.physical, e.length);
    }
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
        for (const Link& l : r.links)
            add_inode(rep.trees[l.tree], r, inode_shared_by(r, l), shared[l.tree][r.domain],
                      excl[l.tree][r.domain]);
        if (r.links.empty()) continue;  // met only in a tree whose walk failed
        add_inode(rep.total, r, inode_shared_at_all(r), all_shared[r.domain], all_excl[r.domain]);
    }
    return rep;
}

}  // namespace vs::diskusage
