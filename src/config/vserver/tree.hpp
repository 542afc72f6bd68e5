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
/// reported as warnings in `unknown` (never silently ignored).
struct LoadResult {
    spec::GuestSpec spec;
    std::vector<std::string> unknown;   ///< relative paths of files no key claims
};
Result<LoadResult> load(const Paths& paths, const std::string& name);

/// Writes every key the spec sets into DIR (atomically per file). Used by build and by commands
/// that edit the config (ip add/del/change).
Status save(const spec::GuestSpec& spec, const std::string& dir);

/// All guest names that have a config dir, sorted.
Result<std::vector<std::string>> list_guests(const Paths& paths);

}  // namespace vs::config::vserver
