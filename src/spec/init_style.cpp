// The init style names, once for the config reader and writer, build and the state file.
#include "spec/init_style.hpp"

#include <cerrno>

#include "base/strings.hpp"

namespace vs::spec {

namespace {

struct Name {
    std::string_view name;
    InitStyle style;
};
constexpr Name kNames[] = {
    {"plain", InitStyle::Plain},     {"sysv", InitStyle::Sysv},   {"reaper", InitStyle::Reaper},
    {"systemd", InitStyle::Systemd}, {"none", InitStyle::Reaper},
};
// util-vserver styles whose init scheme we do not implement.
constexpr std::string_view kUnsupported[] = {"minit", "gentoo", "openrc", "arch"};

}  // namespace

const char* init_style_name(InitStyle s) {
    for (const auto& n : kNames)
        if (n.style == s) return n.name.data();
    return "plain";
}

Result<InitStyle> init_style_from_name(std::string_view name) {
    for (const auto& n : kNames)
        if (n.name == name) return n.style;
    for (auto u : kUnsupported)
        if (u == name)
            return make_error(EINVAL,
                              "init style {} is not supported: use plain (the guest's own "
                              "/sbin/init), sysv (/etc/init.d/rc), systemd or reaper with "
                              "apps/init/cmd.start",
                              str::quote(name));
    return make_error(EINVAL, "unknown init style {} ({})", str::quote(name), kInitStyleSyntax);
}

}  // namespace vs::spec
