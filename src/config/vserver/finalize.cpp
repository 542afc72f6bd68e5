// Cross-file rules applied once every file of a guest's config has been read.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/registry.hpp"

namespace vs::config::vserver {

namespace {

Status finalize_interfaces(spec::GuestSpec& s, LoadState& st) {
    size_t enabled = 0, shared = 0;
    for (const auto& i : s.interfaces) {
        if (i.ip.empty())
            return make_error(EINVAL, "{}/interfaces/{}: no ip file", st.dir, i.id);
        if (i.disabled) continue;
        ++enabled;
        if (i.mode == "shared") ++shared;
    }
    // Shared mode is VServer's original model: no network namespace, the host stack with binds
    // confined to the guest's addresses.
    if (enabled && shared == enabled) s.ns.net = false;
    return ok();
}

}  // namespace

Status finalize(spec::GuestSpec& s, LoadState& st) {
    VS_TRY(finalize_interfaces(s, st));
    return ok();
}

}  // namespace vs::config::vserver
