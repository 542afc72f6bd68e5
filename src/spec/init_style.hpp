// The init styles' names (apps/init/style, build --initstyle, the state file) and their parsing.
#pragma once

#include <string_view>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::spec {

/// The names a config file or --initstyle may give, as a value syntax ("none" is an alias).
inline constexpr const char* kInitStyleSyntax = "plain|sysv|systemd|reaper";

/// "plain", "sysv", "systemd" or "reaper".
const char* init_style_name(InitStyle s);

/// The style `name` (lower case) means; "none" is reaper (a guest without an init of its own).
/// EINVAL for anything else, with a message that names the value and the choices: util-vserver's
/// other styles (minit, gentoo, openrc, arch) are "not supported", the rest "unknown".
Result<InitStyle> init_style_from_name(std::string_view name);

}  // namespace vs::spec
