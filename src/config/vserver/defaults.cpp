// Reading /etc/vservers/.defaults/.
#include "config/vserver/defaults.hpp"

#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/fstab.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/values.hpp"

namespace vs::config::vserver {

std::string defaults_dir(const Paths& paths) { return paths.config_dir + "/.defaults"; }

Result<GlobalDefaults> load_defaults(const Paths& paths) {
    GlobalDefaults d;
    d.fstab = builtin_default_fstab();
    std::string dir = defaults_dir(paths);
    std::string p = dir + "/shell";
    if (auto text = VS_TRY(read_optional(p, FileKind::Scalar))) {
        auto v = scalar(*text);
        if (v.empty() || v.front() != '/')
            return make_error(EINVAL, "{}: invalid shell {}: not an absolute path", p,
                              str::quote(v));
        d.shell = v;
    }
    p = dir + "/fstab";
    if (auto text = VS_TRY(read_optional(p, FileKind::Data)))
        d.fstab = VS_TRY(parse_fstab(*text).wrap("{}", p));
    p = dir + "/context.start";
    if (auto text = VS_TRY(read_optional(p, FileKind::Scalar)))
        d.context_start =
            static_cast<uint32_t>(VS_TRY(parse_int(*text, 2, 49151, "context").wrap("{}", p)));
    return d;
}

}  // namespace vs::config::vserver
