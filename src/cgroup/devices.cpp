// v1 devices controller.
#include "cgroup/devices.hpp"

#include "base/sys.hpp"

namespace vs::cgroup {

Status apply_v1_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules) {
    for (const auto& r : rules) {
        std::string file = dir + (r.allow ? "/devices.allow" : "/devices.deny");
        VS_TRY(sys::write_file(file, r.text).wrap("device rule \"{}\"", r.text));
    }
    return ok();
}

}  // namespace vs::cgroup
