// Resolving vdu/vfiles arguments to trees: names, context numbers, --all, host directories.
#include "diskusage/targets.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/tree.hpp"
#include "fs/resolve.hpp"
#include "spec/validate.hpp"
#include "store/layered_root.hpp"

namespace vs::diskusage {

namespace {

Result<Target> load_target(const config::Paths& paths, const std::string& name) {
    VS_TRY(spec::validate_name(name));
    if (!sys::is_dir(paths.guest_config(name))) return config::legacy::missing_guest(paths, name);
    auto loaded = VS_TRY(config::vserver::load(paths, name).wrap("guest \"{}\"", name));
    // A layered guest's files are seen through its overlay (mounted again after a reboot).
    VS_TRY(store::ensure_root_mounted(loaded.spec));
    return Target{name, loaded.spec.root, true};
}

}  // namespace

Result<Target> guest_target(const config::Paths& paths, const std::string& name_or_xid) {
    if (auto n = str::parse_u64(name_or_xid);
        n && name_or_xid.find_first_not_of("0123456789") == std::string::npos) {
        auto names = VS_TRY(config::vserver::list_guests(paths));
        for (auto& g : names)
            if (auto x = config::vserver::peek_context(paths, g); x && *x == *n)
                return load_target(paths, g);
        return make_error(ENOENT, "no guest has context {} (in {}/*/context)", *n,
                          paths.config_dir);
    }
    return load_target(paths, name_or_xid);
}

Result<std::vector<std::string>> guest_names(const config::Paths& paths) {
    return config::vserver::list_guests(paths);
}

Result<UniqueFd> open_target(const Target& t) {
    if (t.guest)
        return sys::open(t.root, O_RDONLY | O_DIRECTORY).wrap("root of guest \"{}\"", t.name);
    return fs::open_host_nofollow(t.root, O_RDONLY | O_DIRECTORY);
}

}  // namespace vs::diskusage
