// load_guest: name + config checks shared by every verb (bad input, nothing created).
#include <sys/stat.h>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "config/vserver/tree.hpp"
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
    return std::move(loaded.spec);
}

}  // namespace vs::runtime
