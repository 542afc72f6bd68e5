// Root propagation (runc's order: "/" first, the root's mount made private, the new "/" last).
#include "mount/propagation.hpp"

#include <sys/mount.h>

#include <cerrno>
#include <string>

namespace vs::mount {

Status root_propagation(const Op& o) {
    if (!o.propagation) {
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0)
            return errno_error("make \"/\" a recursive slave mount");
        return ok();
    }
    if (::mount(nullptr, "/", nullptr, o.propagation, nullptr) < 0)
        return errno_error(fmt::format("make \"/\" {:#x}", o.propagation));
    const unsigned long parent = (o.propagation & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE;
    // mount(2) with a propagation type is EINVAL on a path that is not a mount point: the path
    // is walked up to the first one (the root's own mount when the root is one).
    std::string path = o.source;
    for (;;) {
        if (::mount(nullptr, path.c_str(), nullptr, parent, nullptr) == 0) return ok();
        if (errno != EINVAL || path == "/" || path.empty())
            return errno_error(fmt::format("make the mount of \"{}\" {}", path,
                                           parent == MS_SLAVE ? "slave" : "private"));
        auto slash = path.rfind('/');
        path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }
}

Status new_root_propagation(const Op& o) {
    if (o.propagation && ::mount(nullptr, "/", nullptr, o.propagation, nullptr) < 0)
        return errno_error(fmt::format("make the new \"/\" {:#x}", o.propagation));
    return ok();
}

}  // namespace vs::mount
