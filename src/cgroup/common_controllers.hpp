// The controllers whose files are the same on cgroup v1 and v2: pids, cpuset, and hugetlb
// (which differs only in its limit file's name and how it spells "no limit"). The v1/ and v2/
// controller headers export these under their own namespace, so group_apply.cpp sees one
// table of v1 and v2 functions.
#pragma once

#include <string>

#include "base/result.hpp"
#include "cgroup/manager.hpp"
#include "spec/guest_spec.hpp"

namespace vs::cgroup::common {

/// pids.max ("max" for unlimited; the same file on v1 and v2).
Status apply_pids(const std::string& dir, const spec::Resources& r);
/// pids.current into s.pids_current.
Status read_pids(const std::string& dir, Stats& s);

/// cpuset.mems, then cpuset.cpus: both must be subsets of the parent's, which the kernel checks
/// (EINVAL names the file and value). Unset keys are not written (v1: the copy of the parent's
/// sets made at creation stays; v2: empty means the parent's effective set).
Status apply_cpuset(const std::string& dir, const spec::Resources& r);

/// How a hierarchy names a hugetlb limit: hugetlb.<size>.<limit_file>, and what it takes for
/// "no limit".
struct HugetlbFiles {
    const char* limit_file;  ///< v1 "limit_in_bytes", v2 "max"
    const char* unlimited;   ///< v1 "-1", v2 "max"
};
/// hugetlb.<size>.<limit_file> for every page size in r.hugetlb_max ("max" or "-1": no limit).
Status apply_hugetlb(const std::string& dir, const spec::Resources& r, HugetlbFiles files);

}  // namespace vs::cgroup::common
