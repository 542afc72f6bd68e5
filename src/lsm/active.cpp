// lsm: whether the running kernel runs a Linux Security Module by name.
#include "lsm/active.hpp"

#include <unistd.h>

#include "base/safe_read.hpp"
#include "base/strings.hpp"

namespace vs::lsm {

bool active(std::string_view name) {
    if (auto list = sys::read_regular("/sys/kernel/security/lsm", {4096, false}))
        for (const auto& n : str::split(str::trim(*list), ','))
            if (n == name) return true;
    if (name == "apparmor") {
        auto on = sys::read_regular("/sys/module/apparmor/parameters/enabled", {64, false});
        return on && str::trim(*on) == "Y";
    }
    return name == "selinux" && ::access("/sys/fs/selinux/enforce", F_OK) == 0;
}

}  // namespace vs::lsm
