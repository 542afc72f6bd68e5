// cgroup v1 controllers: each writes its knobs in the guest's directory of its hierarchy.
// `dir` is the guest's leaf in the hierarchy that holds the controller.
#pragma once

#include <string>

#include "base/result.hpp"
#include "cgroup/common_controllers.hpp"
#include "cgroup/manager.hpp"
#include "spec/guest_spec.hpp"

namespace vs::cgroup::v1 {

Status apply_memory(const std::string& dir, const spec::Resources& r);
Status apply_cpu(const std::string& dir, const spec::Resources& r);
using common::apply_cpuset;
using common::apply_pids;
Status apply_blkio(const std::string& dir, const spec::Resources& r);
inline Status apply_hugetlb(const std::string& dir, const spec::Resources& r) {
    return common::apply_hugetlb(dir, r, {"limit_in_bytes", "-1"});
}

/// freezer.state FROZEN/THAWED; waits up to wait_ms (0: no wait) for the state to settle.
Status freeze(const std::string& dir, bool frozen, int wait_ms);

Status read_cpuacct(const std::string& dir, Stats& s);
Status read_memory(const std::string& dir, Stats& s);
using common::read_pids;

}  // namespace vs::cgroup::v1
