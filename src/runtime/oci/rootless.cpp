// runc's global --rootless: its value, "auto", and the refusal of what needs root.
#include "runtime/oci/rootless.hpp"

#include <errno.h>
#include <unistd.h>

#include "base/safe_read.hpp"
#include "base/strings.hpp"

namespace vs::runtime::oci {

Result<std::optional<bool>> parse_rootless(std::string_view v) {
    if (v.empty() || v == "auto") return std::optional<bool>{};
    for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
        if (v == t) return std::optional<bool>{true};
    for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
        if (v == f) return std::optional<bool>{false};
    return make_error(EINVAL, "--rootless \"{}\": use true, false or auto", v);
}

bool rootless_auto() {
    if (::geteuid() != 0) return true;
    // The initial user namespace maps every id to itself: "0 0 4294967295" (user_namespaces(7)).
    auto map = sys::read_regular("/proc/self/uid_map", {4096, false});
    if (!map) return false;
    auto f = str::split_ws(*map);
    return !(f.size() == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295");
}

Status refuse_unprivileged(std::string_view verb, bool mode) {
    const uid_t euid = ::geteuid();
    if (euid == 0) return ok();
    return make_error(EPERM,
                      "{}: vsrun runs as uid {} (--rootless {}): rootless containers are not "
                      "supported; run vsrun as root (the engine's rootful mode)",
                      verb, euid, mode ? "true" : "false");
}

}  // namespace vs::runtime::oci
