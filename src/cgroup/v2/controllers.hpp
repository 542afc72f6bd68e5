// cgroup v2 controllers: each writes its knobs in the guest's cgroup2 directory.
// `dir` is the guest's leaf in the cgroup2 tree, with the controller enabled.
#pragma once

#include <string>

#include "base/result.hpp"
#include "cgroup/common_controllers.hpp"
#include "cgroup/manager.hpp"
#include "spec/guest_spec.hpp"

namespace vs::cgroup::v2 {

Status apply_memory(const std::string& dir, const spec::Resources& r);
Status apply_cpu(const std::string& dir, const spec::Resources& r);
using common::apply_cpuset;
using common::apply_pids;
Status apply_io(const std::string& dir, const spec::Resources& r);
inline Status apply_hugetlb(const std::string& dir, const spec::Resources& r) {
    return common::apply_hugetlb(dir, r, {"max", "max"});
}

/// cgroup.freeze 1/0; waits up to wait_ms (0: no wait) for cgroup.events "frozen".
Status freeze(const std::string& dir, bool frozen, int wait_ms);

/// cpu.stat exists in every cgroup2 directory, with or without the cpu controller.
Status read_cpu(const std::string& dir, Stats& s);
Status read_memory(const std::string& dir, Stats& s);
using common::read_pids;

}  // namespace vs::cgroup::v2
