// hugetlb controller (v1 and v2 alike but for the limit file's name): per page size limits.
#include <cerrno>

#include "cgroup/cgroupfs.hpp"
#include "cgroup/common_controllers.hpp"

namespace vs::cgroup::common {

Status apply_hugetlb(const std::string& dir, const spec::Resources& r, HugetlbFiles files) {
    for (const auto& [size, value] : r.hugetlb_max) {
        // The size is part of a file name: no path, no other hugetlb file.
        if (size.empty() || size.find('/') != std::string::npos ||
            size.find('.') != std::string::npos)
            return make_error(EINVAL, "hugetlb limit: bad page size \"{}\"", size);
        const std::string f = dir + "/hugetlb." + size + "." + files.limit_file;
        VS_TRY(
            fs::write(f, (value == "max" || value == "-1") ? std::string(files.unlimited) : value));
    }
    return ok();
}

}  // namespace vs::cgroup::common
