// Hierarchy discovery: v1 mounts by directory name (deduplicated through symlinks such as
// cpu -> cpu,cpuacct), the cgroup2 tree with the controllers its root offers.
#include "cgroup/hierarchy.hpp"

#include <linux/magic.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_fs.hpp"
#include "cgroup/cgroupfs.hpp"

namespace vs::cgroup {

bool Hierarchy::has(const std::string& controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

bool is_v1_controller(const std::string& name) {
    static const std::set<std::string> known = {
        "cpu",     "cpuacct",    "cpuset",     "memory", "devices", "freezer", "net_cls",
        "net_prio", "blkio",     "perf_event", "hugetlb", "pids",   "rdma",    "misc"};
    return known.count(name) != 0;
}

namespace {

Result<Hierarchy> unified_at(const std::string& mount) {
    Hierarchy h;
    h.mount = mount;
    h.v2 = true;
    auto text = VS_TRY(sys::read_file(mount + "/cgroup.controllers").wrap("cgroup2 root"));
    h.controllers = str::split_ws(text);
    return h;
}

std::string canonical_or_self(const std::string& p) {
    std::error_code ec;
    auto c = std::filesystem::canonical(p, ec);
    return ec ? p : c.string();
}

}  // namespace

Result<Hierarchies> discover(const std::string& root, Layout layout, bool real) {
    Hierarchies out;
    if (layout == Layout::V2) {
        out.v2 = VS_TRY(unified_at(root));
        return out;
    }
    auto entries = VS_TRY(sys::list_dir(root).wrap("list cgroup hierarchies"));
    std::set<std::string> seen;
    for (const auto& e : entries) {
        std::string p = root + "/" + e;
        if (!sys::is_dir(p)) continue;
        bool is_v2 = false;
        if (real) {
            auto t = sys::statfs_type(p);
            if (!t) continue;
            if (*t == CGROUP2_SUPER_MAGIC) {
                is_v2 = true;
            } else if (*t != CGROUP_SUPER_MAGIC) {
                continue;  // not a mount point of a hierarchy
            }
        } else {
            is_v2 = (e == "unified");
        }
        if (is_v2) {
            if (layout == Layout::Hybrid && !out.v2) out.v2 = VS_TRY(unified_at(p));
            continue;
        }
        // cpu and cpuacct are often symlinks to "cpu,cpuacct": one hierarchy, seen once.
        std::string canon = canonical_or_self(p);
        if (!seen.insert(canon).second) continue;
        Hierarchy h;
        h.mount = canon;
        for (auto& part : str::split(std::filesystem::path(canon).filename().string(), ','))
            if (is_v1_controller(part)) h.controllers.push_back(part);
        if (h.controllers.empty()) {
            h.named = true;
            h.controllers.push_back("name=" + e);
        }
        out.v1.push_back(std::move(h));
    }
    if (layout == Layout::Hybrid && !out.v2)
        return make_error(ENOENT, "hybrid cgroup layout: no cgroup2 mount under \"{}\"", root);
    if (out.v1.empty() && layout == Layout::V1)
        return make_error(ENOENT, "cgroup v1 layout: no hierarchy mounted under \"{}\"", root);
    return out;
}

}  // namespace vs::cgroup
