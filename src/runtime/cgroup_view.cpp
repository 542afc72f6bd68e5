// cgroup view computation.
#include "runtime/cgroup_view.hpp"

#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"

namespace vs::runtime {

std::vector<mount::CgroupView> cgroup_views(const config::Paths& paths, const std::string& name,
                                            const cgroup::Manager& cg) {
    std::vector<mount::CgroupView> out;
    if (cg.layout() == cgroup::Layout::V2) {
        if (!cg.unified_path().empty()) out.push_back({"", cg.unified_path(), ""});
        return out;
    }
    // Typed by the listing (no lstat per entry): this runs at every start.
    auto entries = sys::list_entries(paths.cgroup_root);
    if (!entries) return out;
    for (auto& ent : *entries) {
        const std::string& e = ent.name;
        std::string host = paths.cgroup_root + "/" + e;
        if (ent.type == sys::EntryType::Link) {
            auto text = sys::readlink(host);
            if (text && text->find('/') == std::string::npos) out.push_back({e, "", *text});
            continue;
        }
        if (ent.type != sys::EntryType::Dir) continue;
        std::string leaf = host + "/" + paths.cgroup_parent + "/" + name;
        if (sys::is_dir(leaf)) out.push_back({e, leaf, ""});
    }
    // Drop links whose target was left out, so the guest sees no dangling names.
    std::vector<mount::CgroupView> kept;
    for (auto& v : out) {
        if (!v.link.empty()) {
            bool found = false;
            for (auto& w : out) found = found || (w.link.empty() && w.name == v.link);
            if (!found) continue;
        }
        kept.push_back(v);
    }
    return kept;
}

}  // namespace vs::runtime
