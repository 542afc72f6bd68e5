// specific_files(): the reference trees' extents as range unions, then one pass over the tree.
#include "diskusage/specific.hpp"

#include <algorithm>

#include "diskusage/range_set.hpp"

namespace vs::diskusage {

std::vector<SpecificFile> specific_files(const std::vector<InodeRec>& inodes, uint32_t tree,
                                         const std::vector<uint32_t>& refs, size_t domains) {
    auto in = [](const std::vector<uint32_t>& v, uint32_t t) {
        return std::find(v.begin(), v.end(), t) != v.end();
    };
    std::vector<RangeSet> ref_ranges(domains);
    for (const InodeRec& r : inodes) {
        if (!r.is_regular()) continue;
        bool in_ref = std::any_of(r.links.begin(), r.links.end(),
                                  [&](const Link& l) { return in(refs, l.tree); });
        if (!in_ref) continue;
        for (const Extent& e : r.extents) ref_ranges[r.domain].add(e.physical, e.length);
    }
    std::vector<SpecificFile> out;
    for (const InodeRec& r : inodes) {
        if (!r.is_regular()) continue;
        auto mine = std::find_if(r.links.begin(), r.links.end(),
                                 [&](const Link& l) { return l.tree == tree; });
        if (mine == r.links.end()) continue;
        bool shared = false;
        if (refs.empty()) {
            shared = r.nlink > mine->count || r.any_shared_extent();
        } else {
            shared = std::any_of(r.links.begin(), r.links.end(),
                                 [&](const Link& l) { return in(refs, l.tree); });
            // Only an extent the filesystem flags shared can be referenced by another file.
            for (size_t i = 0; !shared && i < r.extents.size(); ++i) {
                const Extent& e = r.extents[i];
                shared = e.shared && ref_ranges[r.domain].overlaps(e.physical, e.length);
            }
        }
        if (shared || r.paths.empty()) continue;
        SpecificFile f;
        f.paths = r.paths;
        std::sort(f.paths.begin(), f.paths.end());
        f.size = r.size;
        f.allocated_bytes = r.private_bytes;
        for (const Extent& e : r.extents) f.allocated_bytes += e.length;
        out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end(), [](const SpecificFile& a, const SpecificFile& b) {
        return a.paths.front() < b.paths.front();
    });
    return out;
}

}  // namespace vs::diskusage
