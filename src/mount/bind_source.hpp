// An fstab bind's source on the host: opened without following a symlink, and refused on a
// kernel filesystem whose host instance the guest must not reach.
#pragma once

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::mount {

/// The source opened once (O_PATH) and used by fd from then on: every component must be a
/// real directory or file, since a volume shared with another guest may hold a symlink that
/// guest planted (pointing at / or /etc) where the admin's path expects a directory; the error
/// names the symlink-free path when there is one, for the admin to write. A source on the
/// host's proc, sysfs, a cgroup fs, devpts or another host-wide kernel interface is refused
/// (EPERM): the guest would reach the host's instance unconfined.
Result<UniqueFd> open_bind_source(const std::string& source);

}  // namespace vs::mount
