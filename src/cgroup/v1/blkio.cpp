// cgroup v1 blkio controller: the proportional I/O weight.
#include <cerrno>

#include "base/sys.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/convert.hpp"
#include "cgroup/v1/controllers.hpp"

namespace vs::cgroup::v1 {

Status apply_blkio(const std::string& dir, const spec::Resources& r) {
    if (!r.io_weight) return ok();
    std::string value = std::to_string(blkio_weight_from_io_weight(*r.io_weight));
    // blkio.weight belonged to CFQ (gone since 5.0); BFQ offers blkio.bfq.weight. Without a
    // proportional scheduler on any disk neither file exists.
    for (const char* f : {"blkio.weight", "blkio.bfq.weight"})
        if (sys::exists(dir + "/" + f)) return fs::write(dir + "/" + f, value);
    return make_error(ENOTSUP,
                      "io weight {}: neither blkio.weight nor blkio.bfq.weight in \"{}\" "
                      "(no proportional I/O scheduler such as bfq)",
                      *r.io_weight, dir);
}

}  // namespace vs::cgroup::v1
