// cgroup v2 hugetlb controller: per page size limits.
#include <cerrno>

#include "cgroup/cgroupfs.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup::v2 {

Status apply_hugetlb(const std::string& dir, const spec::Resources& r) {
    for (const auto& [size, value] : r.hugetlb_max) {
        if (size.empty() || size.find('/') != std::string::npos ||
            size.find('.') != std::string::npos)
            return make_error(EINVAL, "hugetlb limit: bad page size \"{}\"", size);
        const std::string f = dir + "/hugetlb." + size + ".max";
        VS_TRY(fs::write(f, (value == "max" || value == "-1") ? std::string("max") : value));
    }
    return ok();
}

}  // namespace vs::cgroup::v2
