// cgroup v1 controllers: each writes its knobs in the guest's directory of its hierarchy.
// `dir` is the guest's leaf in the hierarchy that holds the controller.
#pragma once

#include <string>

#include "base/result.hpp"
#include "cgroup/manager.hpp"
#include "spec/guest_spec.hpp"

namespace vs::cgroup::v1 {

Status apply_memory(const std::string& dir, const spec::Resources& r);
Status apply_cpu(const std::string& dir, const spec::Resources& r);
Status apply_cpuset(const std::string& dir, const spec::Resources& r);
Status apply_pids(const std::string& dir, const spec::Resources& r);
Status apply_blkio(const std::string& dir, const spec::Resources& r);
Status apply_hugetlb(const std::string& dir, const spec::Resources& r);

/// freezer.state FROZEN/THAWED; waits up to wait_ms (0: no wait) for the state to settle.
Status freeze(const std::string& dir, bool frozen, int wait_ms);

Status read_cpuacct(const std::string& dir, Stats& s);
Status read_memory(const std::string& dir, Stats& s);
Status read_pids(const std::string& dir, Stats& s);

}  // namespace vs::cgroup::v1
