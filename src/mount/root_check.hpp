// Host-side checks of a guest root before start: refuse layouts that would point our mounts or
// device setup outside the guest (CVE-2025-31133 / CVE-2026-41579 class).
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::mount {

/// True when a symlink with text `target`, found at guest path `link_path`, resolves outside
/// the guest root lexically (absolute, or more ".." than the link's depth).
bool symlink_escapes(const std::string& link_path, const std::string& target);

/// Checks the guest root at host path `root`: it must be a directory other than "/"; /dev,
/// /proc and /sys must not be symlinks (we mount over them), and /dev/null must not be a
/// symlink leading outside the root. Paths are opened with openat2(RESOLVE_IN_ROOT) only.
/// Errors name the guest path and the link text.
Status check_root(const std::string& root);

}  // namespace vs::mount
