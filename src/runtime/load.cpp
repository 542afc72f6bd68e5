// load_guest: name + config checks shared by every verb (bad input, nothing created).
#include <sys/stat.h>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "config/vserver/tree.hpp"
#include "net/guest_network.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"

namespace vs::runtime {

Result<spec::GuestSpec> load_guest(const config::Paths& paths, const std::string& name) {
    VS_TRY(spec::validate_name(name));
    std::string dir = paths.guest_config(name);
    if (!sys::is_dir(dir))
        return make_error(ENOENT, "guest \"{}\" does not exist (no config dir \"{}\")", name, dir);
    auto loaded = VS_TRY(config::vserver::load(paths, name));
    for (auto& u : loaded.unknown) log::warn("{}: unknown config file \"{}\" ignored", dir, u);
    for (auto& w : loaded.warnings) log::warn("{}", w);
    // Every verb (start, exec, enter) takes the spec from here, so a shared-network guest never
    // holds CAP_NET_RAW/CAP_NET_ADMIN of the host's stack, whatever bcapabilities says; the
    // seccomp profile's capability gates then follow the same set.
    loaded.spec.caps.bounding &= ~net::required_cap_drops(loaded.spec);
    return std::move(loaded.spec);
}

}  // namespace vs::runtime
