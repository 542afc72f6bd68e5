// Whether a guest is frozen (by anyone: the v1 freezer or cgroup2's cgroup.freeze), and thawing
// it in both, for a stop or delete that must not wait on frozen tasks.
#include "cgroup/cgroupfs.hpp"
#include "cgroup/manager.hpp"

namespace vs::cgroup {

namespace {

// v1: freezer.state is THAWED, FREEZING or FROZEN (Documentation/admin-guide/cgroup-v1/
// freezer-subsystem.rst). v2: cgroup.freeze holds what was asked, 0 or 1 (cgroup-v2.rst).
std::string v1_freezer(const Manager& cg) {
    std::string dir = cg.controller_path("freezer");
    if (dir.empty() || dir == cg.unified_path()) return {};
    return dir + "/freezer.state";
}

std::string v2_freeze(const Manager& cg) {
    if (cg.unified_path().empty()) return {};
    return cg.unified_path() + "/cgroup.freeze";
}

}  // namespace

bool is_frozen(const Manager& cg) {
    if (auto f = v1_freezer(cg); !f.empty())
        if (auto s = fs::read_trimmed(f); s && *s != "THAWED") return true;
    if (auto f = v2_freeze(cg); !f.empty())
        if (auto s = fs::read_trimmed(f); s && *s == "1") return true;
    return false;
}

Status thaw_all(const Manager& cg) {
    if (auto f = v1_freezer(cg); !f.empty())
        if (auto s = fs::read_trimmed(f); s && *s != "THAWED") VS_TRY(fs::write(f, "THAWED"));
    if (auto f = v2_freeze(cg); !f.empty())
        if (auto s = fs::read_trimmed(f); s && *s == "1") VS_TRY(fs::write(f, "0"));
    return ok();
}

}  // namespace vs::cgroup
