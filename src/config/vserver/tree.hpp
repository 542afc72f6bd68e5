// The /etc/vservers/NAME tree <-> GuestSpec: the util-vserver front-end's public API.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

/// Reads /etc/vservers/NAME (paths.guest_config(name)) through the key registry and validates
/// the result. Every bad value is an error naming the file and the value; unknown files are
/// reported as warnings in `unknown` (never silently ignored). A guest without its own `shell`
/// gets .defaults/shell.
struct LoadResult {
    spec::GuestSpec spec;
    std::vector<std::string> unknown;   ///< relative paths of files no key claims
    std::vector<std::string> warnings;  ///< accepted values without effect, with the reason
};
Result<LoadResult> load(const Paths& paths, const std::string& name);

/// The same, for a config dir anywhere: `base` supplies what the files do not set (name, root,
/// cache_dir, config_dir and the global defaults); the registry defaults are applied on top.
Result<LoadResult> load_dir(const std::string& dir, spec::GuestSpec base);

/// The spec load() starts from for NAME: name, config_dir, root (<vdir_base>/NAME), cache_dir
/// (<cache_base>/NAME), plus the global defaults from <config_dir>/.defaults.
Result<spec::GuestSpec> base_spec(const Paths& paths, const std::string& name);

/// Writes every key the spec sets into DIR (atomically per file). Used by build and by commands
/// that edit the config (ip add/del/change). Files of known keys that the spec no longer sets
/// are removed; unknown files are left alone. The spec is validated first. A shell equal to
/// .defaults/shell is not written (the guest keeps following the global default).
Status save(const spec::GuestSpec& spec, const std::string& dir);

/// All guest names that have a config dir, sorted.
Result<std::vector<std::string>> list_guests(const Paths& paths);

}  // namespace vs::config::vserver
