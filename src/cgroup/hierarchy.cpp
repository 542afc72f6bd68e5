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
#include "base/sys_subdirs.hpp"
#include "base/sys_fs.hpp"
#include "cgroup/cgroupfs.hpp"

namespace vs::cgroup {

bool Hierarchy::has(const std::string& controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

bool is_v1_controller(const std::string& name) {
    static const std::set<std::string> known = {
        "cpu",      "cpuacct", "cpuset",     "memory",  "devices", "freezer", "net_cls",
        "net_prio", "blkio",   "perf_event", "hugetlb", "pids",    "rdma",    "misc"};
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

// One directory entry of the cgroup root: its name and, for a real tree, its statfs magic.
struct Entry {
    std::string name;
    long type = 0;
    bool link = false;  ///< a symlink to a directory (cpu -> cpu,cpuacct)
};

// Builds the hierarchies from the root's entries. `real`: each entry's type is its statfs
// magic (plain directories are skipped); fake trees (tests) take every directory by its name.
Result<Hierarchies> build(const std::string& root, Layout layout, bool real,
                          const std::vector<Entry>& entries) {
    Hierarchies out;
    std::set<std::string> seen;
    // canonical() readlinks every component of every path: resolve the root once and only
    // the entries that are symlinks themselves (cpu -> cpu,cpuacct).
    std::string canon_root;
    for (const auto& ent : entries) {
        const std::string& e = ent.name;
        std::string p = root + "/" + e;
        bool is_v2 = false;
        if (real) {
            if (ent.type == CGROUP2_SUPER_MAGIC) {
                is_v2 = true;
            } else if (ent.type != CGROUP_SUPER_MAGIC) {
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
        std::string canon;
        if (ent.link) {
            canon = canonical_or_self(p);
        } else {
            if (canon_root.empty()) canon_root = canonical_or_self(root);
            canon = canon_root + "/" + e;
        }
        if (!seen.insert(canon).second) continue;
        Hierarchy h;
        h.mount = canon;
        h.real = real;
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

// The root's directories, with their statfs magic when `real` (entries statfs refuses are left
// out).
Result<std::vector<Entry>> scan(const std::string& root, bool real) {
    auto names = VS_TRY(sys::list_entries(root).wrap("list cgroup hierarchies"));
    std::vector<Entry> out;
    for (auto& e : names) {
        std::string p = root + "/" + e.name;
        // The listing tells a directory from a symlink; only symlinks need a stat.
        bool link = e.type == sys::EntryType::Link;
        if (link ? !sys::is_dir(p) : e.type != sys::EntryType::Dir) continue;
        Entry ent{std::move(e.name), 0, link};
        if (real) {
            auto t = sys::statfs_type(p);
            if (!t) continue;
            ent.type = *t;
        }
        out.push_back(std::move(ent));
    }
    return out;
}

}  // namespace

Result<Hierarchies> discover(const std::string& root, Layout layout, bool real) {
    if (layout == Layout::V2) {
        Hierarchies out;
        out.v2 = VS_TRY(unified_at(root));
        return out;
    }
    auto entries = VS_TRY(scan(root, real));
    return build(root, layout, real, entries);
}

Result<std::pair<Layout, Hierarchies>> detect_and_discover(const std::string& root) {
    long type = VS_TRY(sys::statfs_type(root).wrap("detect cgroup layout"));
    // A cgroup2 superblock at the root is the unified layout (as detect()).
    if (type == CGROUP2_SUPER_MAGIC) {
        Hierarchies out;
        out.v2 = VS_TRY(unified_at(root));
        return std::make_pair(Layout::V2, std::move(out));
    }
    // One listing and one statfs per entry serve both detect()'s question and discover().
    auto entries = VS_TRY(scan(root, true).wrap("detect cgroup layout"));
    bool has_v1 = false, has_v2 = false;
    for (const auto& e : entries) {
        if (e.type == CGROUP_SUPER_MAGIC) has_v1 = true;
        if (e.type == CGROUP2_SUPER_MAGIC) has_v2 = true;
    }
    if (!has_v1 && !has_v2)
        return make_error(ENOENT, "detect cgroup layout: no cgroup hierarchy mounted under \"{}\"",
                          root);
    Layout layout = has_v1 && !has_v2 ? Layout::V1 : Layout::Hybrid;
    auto h = VS_TRY(build(root, layout, true, entries));
    return std::make_pair(layout, std::move(h));
}

}  // namespace vs::cgroup
