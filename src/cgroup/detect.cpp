// Layout detection: which cgroup hierarchies are mounted under the cgroup root.
#include <linux/magic.h>

#include "base/sys.hpp"
#include "base/sys_fs.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/manager.hpp"

namespace vs::cgroup {

const char* layout_name(Layout l) {
    switch (l) {
        case Layout::V1:
            return "v1";
        case Layout::V2:
            return "v2";
        case Layout::Hybrid:
            return "hybrid";
    }
    return "?";
}

Result<Layout> detect(const std::string& root) {
    long type = VS_TRY(sys::statfs_type(root).wrap("detect cgroup layout"));
    // A cgroup2 superblock at the root is the unified layout (cgroup_no_v1=all or systemd's
    // default since v247); anything else must be a tmpfs holding one mount per hierarchy.
    if (type == CGROUP2_SUPER_MAGIC) return Layout::V2;
    auto entries = VS_TRY(sys::list_dir(root).wrap("detect cgroup layout"));
    bool has_v1 = false, has_v2 = false;
    for (const auto& e : entries) {
        std::string p = root + "/" + e;
        if (!sys::is_dir(p)) continue;
        auto t = sys::statfs_type(p);
        if (!t) continue;
        if (*t == CGROUP_SUPER_MAGIC) has_v1 = true;
        // systemd's hybrid mode mounts cgroup2 at <root>/unified; accept any name.
        if (*t == CGROUP2_SUPER_MAGIC && p != root) has_v2 = true;
    }
    if (has_v1 && has_v2) return Layout::Hybrid;
    if (has_v1) return Layout::V1;
    if (has_v2) return Layout::Hybrid;  // only a cgroup2 subdir: treat its node as the v2 side
    return make_error(ENOENT, "detect cgroup layout: no cgroup hierarchy mounted under \"{}\"",
                      root);
}

}  // namespace vs::cgroup
