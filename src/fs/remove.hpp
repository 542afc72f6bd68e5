// Removing a guest-controlled tree: unlinkat(2) on directory fds over fs::walk, on one mount.
#pragma once

#include <functional>
#include <string>

#include "base/result.hpp"

namespace vs::fs {

/// Removes everything below the open directory `dirfd` (`path` names it in errors), never
/// following a symlink (the link itself is removed) and never entering another mount: a mount
/// point found inside fails the removal with EBUSY naming the mount (what, from where), after
/// everything else that could go has gone. A second call finishes what a failed one left.
Status remove_contents(int dirfd, const std::string& path);

/// Removes the entry `name` of the directory `parentfd` and, when it is a directory, all of its
/// contents (remove_contents). A mount point there is refused with EBUSY. Absent is success.
Status remove_at(int parentfd, const std::string& name, const std::string& path);

/// remove_at for an absolute host path whose parent directories the host controls (a config
/// dir, a guest root's parent): only the last component and below are treated as hostile.
Status remove_path(const std::string& path);

struct Entry;

/// Best-effort sweep of the host directory `dir` (opened O_NOFOLLOW) down to `max_depth`: every
/// entry for which `dead` is true is removed (remove_at), entries for which `skip` is true are
/// not entered. Never follows a link nor enters a mount; a failure is logged at debug level and
/// never stops the caller, whose leftovers these are.
void sweep(const std::string& dir, const std::function<bool(const Entry&)>& dead,
           const std::function<bool(const Entry&)>& skip, int max_depth);

}  // namespace vs::fs
