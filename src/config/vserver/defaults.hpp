// The global /etc/vservers/.defaults/ settings vserver-ng reads: shell, fstab, context.start,
// context.next (see context_alloc.hpp for allocation).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

/// First context `build` hands out when .defaults/context.start does not say (util-vserver's
/// distrib/misc/context.start).
constexpr uint32_t kDefaultContextStart = 40000;

struct GlobalDefaults {
    std::string shell;                    ///< .defaults/shell; "" = none
    std::vector<spec::FstabEntry> fstab;  ///< .defaults/fstab, else builtin_default_fstab()
    uint32_t context_start = kDefaultContextStart;  ///< .defaults/context.start
};

/// <config_dir>/.defaults
std::string defaults_dir(const Paths& paths);

/// Reads the files that exist; a bad value is an error naming the file and the value.
Result<GlobalDefaults> load_defaults(const Paths& paths);

}  // namespace vs::config::vserver
