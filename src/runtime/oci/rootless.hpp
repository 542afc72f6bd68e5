// runc's global --rootless: its value, what "auto" means, and the refusal of the verbs vsrun
// cannot serve without root.
#pragma once

#include <optional>
#include <string_view>

#include "base/result.hpp"

namespace vs::runtime::oci {

/// The value of --rootless as runc reads it: "auto" or "" (nullopt), else a boolean in Go's
/// spellings (1 t T TRUE true True, 0 f F FALSE false False). Anything else is an error naming
/// the flag and the value.
Result<std::optional<bool>> parse_rootless(std::string_view value);

/// runc's answer for "auto": rootless when the effective uid is not 0, or when it is 0 inside
/// a user namespace other than the initial one (uid_map not the identity of all ids).
bool rootless_auto();

/// Refuses `verb` (one that makes, runs or changes containers) when vsrun does not run as
/// root: rootless containers (an unprivileged user's own user namespace, cgroups it may not
/// write) are not implemented, so it fails here, before anything is made, naming the uid and
/// the mode instead of failing half-way at the first cgroup or mount. `mode` is the resolved
/// --rootless.
Status refuse_unprivileged(std::string_view verb, bool mode);

}  // namespace vs::runtime::oci
