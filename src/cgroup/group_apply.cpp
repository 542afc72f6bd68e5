// Group: resource limits and stats, dispatched per controller to its v1 or v2 files, plus
// the cgroup/<file> passthrough.
#include <cerrno>
#include <set>

#include "base/sys.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/group.hpp"
#include "cgroup/v1/controllers.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup {

std::optional<Group::Where> Group::locate(const std::string& controller) const {
    if (const Hierarchy* h = v1_with(controller)) return Where{leaf(*h), false};
    if (h_.v2 && h_.v2->has(controller)) return Where{leaf(*h_.v2), true};
    return std::nullopt;
}

namespace {

using ApplyFn = Status (*)(const std::string&, const spec::Resources&);

}  // namespace

Status Group::apply(const spec::Resources& r) {
    struct Step {
        bool wanted;
        const char* what;
        const char* v1_ctrl;
        const char* v2_ctrl;
        ApplyFn v1_fn;
        ApplyFn v2_fn;
    };
    const Step steps[] = {
        {r.cpuset_cpus || r.cpuset_mems, "cpuset", "cpuset", "cpuset", v1::apply_cpuset,
         v2::apply_cpuset},
        {r.memory_max || r.memory_high || r.memory_swap_max, "memory limit", "memory", "memory",
         v1::apply_memory, v2::apply_memory},
        {r.cpu_weight || r.cpu_quota_us || r.cpu_period_us, "cpu limit", "cpu", "cpu",
         v1::apply_cpu, v2::apply_cpu},
        {r.pids_max.has_value(), "pids limit", "pids", "pids", v1::apply_pids, v2::apply_pids},
        {r.io_weight.has_value(), "io weight", "blkio", "io", v1::apply_blkio, v2::apply_io},
        {!r.hugetlb_max.empty(), "hugetlb limit", "hugetlb", "hugetlb", v1::apply_hugetlb,
         v2::apply_hugetlb},
    };
    for (const Step& s : steps) {
        if (!s.wanted) continue;
        auto where = locate(s.v1_ctrl);
        if (!where || where->v2) where = locate(s.v2_ctrl);
        if (!where)
            return make_error(ENOTSUP, "apply {} to guest {}: no {} controller under \"{}\"",
                              s.what, opt_.name, s.v2_ctrl, opt_.root);
        if (where->v2) {
            // create() enabled the usual controllers; others (hugetlb) only when used.
            VS_TRY(enable_v2({s.v2_ctrl}));
            VS_TRY(s.v2_fn(where->dir, r).wrap("apply {} to guest {}", s.what, opt_.name));
        } else {
            VS_TRY(s.v1_fn(where->dir, r).wrap("apply {} to guest {}", s.what, opt_.name));
        }
    }
    for (const auto& [file, value] : r.passthrough)
        VS_TRY(apply_passthrough(file, value).wrap("guest {}", opt_.name));
    return ok();
}

Status Group::apply_passthrough(const std::string& file, const std::string& value) {
    // Files that move tasks or reshape the tree are not resource knobs: writing them from a
    // config file would bypass add_pid/create and the rollback that goes with them.
    static const std::set<std::string> refused = {
        "cgroup.procs",  "cgroup.threads", "tasks",         "cgroup.kill",
        "cgroup.freeze", "cgroup.type",    "release_agent", "cgroup.subtree_control"};
    auto dot = file.find('.');
    if (file.empty() || file.find('/') != std::string::npos || dot == std::string::npos || dot == 0)
        return make_error(EINVAL, "cgroup/{}: not a cgroup file name (controller.knob)", file);
    if (refused.count(file))
        return make_error(EINVAL, "cgroup/{}: not a resource knob, refused", file);
    std::string controller = file.substr(0, dot);
    std::optional<Where> where;
    if (controller == "cgroup") {
        if (h_.v2) where = Where{leaf(*h_.v2), true};
    } else {
        where = locate(controller);
    }
    if (!where)
        return make_error(ENOTSUP, "cgroup/{} = \"{}\": no {} controller under \"{}\"", file, value,
                          controller, opt_.root);
    if (where->v2 && controller != "cgroup") VS_TRY(enable_v2({controller}));
    return fs::write(where->dir + "/" + file, value).wrap("cgroup/{} = \"{}\"", file, value);
}

Result<Stats> Group::stats() const {
    Stats s;
    if (!exists())
        return make_error(ENOENT, "stats of guest {}: no cgroup under \"{}\"", opt_.name,
                          opt_.root);
    // cpu time: v1 cpuacct, else cgroup2's cpu.stat, which every cgroup2 directory has.
    if (const Hierarchy* h = v1_with("cpuacct")) {
        VS_TRY(v1::read_cpuacct(leaf(*h), s).wrap("stats of guest {}", opt_.name));
    } else if (h_.v2 && sys::exists(leaf(*h_.v2) + "/cpu.stat")) {
        VS_TRY(v2::read_cpu(leaf(*h_.v2), s).wrap("stats of guest {}", opt_.name));
    }
    if (auto w = locate("memory")) {
        if (!w->v2)
            VS_TRY(v1::read_memory(w->dir, s).wrap("stats of guest {}", opt_.name));
        else if (sys::exists(w->dir + "/memory.current"))  // enabled in the parent
            VS_TRY(v2::read_memory(w->dir, s).wrap("stats of guest {}", opt_.name));
    }
    if (auto w = locate("pids")) {
        if (!w->v2)
            VS_TRY(v1::read_pids(w->dir, s).wrap("stats of guest {}", opt_.name));
        else if (sys::exists(w->dir + "/pids.current"))
            VS_TRY(v2::read_pids(w->dir, s).wrap("stats of guest {}", opt_.name));
    }
    return s;
}

}  // namespace vs::cgroup
