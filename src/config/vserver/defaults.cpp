// Reading /etc/vservers/.defaults/.
#include "config/vserver/defaults.hpp"

#include <cerrno>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/fstab.hpp"
#include "config/vserver/values.hpp"

namespace vs::config::vserver {

std::string defaults_dir(const Paths& paths) { return paths.config_dir + "/.defaults"; }

Result<GlobalDefaults> load_defaults(const Paths& paths) {
    GlobalDefaults d;
    d.fstab = builtin_default_fstab();
    std::string dir = defaults_dir(paths);
    if (std::string p = dir + "/shell"; sys::exists(p)) {
        auto v = scalar(VS_TRY(sys::read_file(p)));
        if (v.empty() || v.front() != '/')
            return make_error(EINVAL, "{}: invalid shell \"{}\": not an absolute path", p, v);
        d.shell = v;
    }
    if (std::string p = dir + "/fstab"; sys::exists(p)) {
        auto text = VS_TRY(sys::read_file(p));
        d.fstab = VS_TRY(parse_fstab(text).wrap("{}", p));
    }
    if (std::string p = dir + "/context.start"; sys::exists(p)) {
        auto text = VS_TRY(sys::read_file(p));
        d.context_start =
            static_cast<uint32_t>(VS_TRY(parse_int(text, 2, 49151, "context").wrap("{}", p)));
    }
    return d;
}

}  // namespace vs::config::vserver
