// Where a guest's legacy NAME.conf lives, and the "does not exist" message that points to it.
#pragma once

#include <string>

#include "base/error.hpp"
#include "config/paths.hpp"

namespace vs::config::legacy {

/// <config_dir>/NAME.conf: util-vserver's pre-0.30 single-file config.
std::string legacy_file(const Paths& paths, const std::string& name);

/// ENOENT for a guest without a config dir: "guest \"NAME\" does not exist (no config dir
/// \"DIR\")", or, when only its legacy NAME.conf exists, how to convert that.
Error missing_guest(const Paths& paths, const std::string& name);

}  // namespace vs::config::legacy
