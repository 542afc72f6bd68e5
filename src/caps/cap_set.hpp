// libcap's cap_t owned: cap_free on every path out of the code that builds a capability set.
#pragma once

#include <sys/capability.h>

#include <memory>
#include <type_traits>

namespace vs::caps {

struct CapFree {
    void operator()(cap_t c) const { cap_free(c); }
};
using CapSet = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

}  // namespace vs::caps
