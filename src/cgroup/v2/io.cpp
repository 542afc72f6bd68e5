// cgroup v2 io controller: the proportional I/O weight.
#include <algorithm>
#include <cerrno>

#include "base/sys.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup::v2 {

Status apply_io(const std::string& dir, const spec::Resources& r) {
    if (!r.io_weight) return ok();
    if (*r.io_weight < 1 || *r.io_weight > 10000)
        return make_error(EINVAL, "write \"{}/io.weight\" = \"{}\": out of range 1..10000", dir,
                          *r.io_weight);
    // io.weight is iocost's (1..10000); with BFQ only io.bfq.weight (1..1000) exists.
    if (sys::exists(dir + "/io.weight"))
        return fs::write(dir + "/io.weight", "default " + std::to_string(*r.io_weight));
    if (sys::exists(dir + "/io.bfq.weight")) {
        uint64_t w = std::clamp<uint64_t>(*r.io_weight / 10, 1, 1000);
        return fs::write(dir + "/io.bfq.weight", "default " + std::to_string(w));
    }
    return make_error(ENOTSUP,
                      "io weight {}: neither io.weight nor io.bfq.weight in \"{}\" "
                      "(no iocost or bfq)",
                      *r.io_weight, dir);
}

}  // namespace vs::cgroup::v2
