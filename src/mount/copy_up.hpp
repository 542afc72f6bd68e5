// tmpcopyup: a new tmpfs filled with a copy of the directory it is about to cover.
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::mount {

/// Copies the tree of the directory `from` (an fd, O_PATH is enough) into the directory `to`
/// (the root of a detached tmpfs): directories, regular files and symlinks with their modes,
/// owners and modification times. It stays on the mount of `from` (a directory on another
/// mount is copied empty), follows no symlink and opens no FIFO or device (those, and
/// sockets, are not copied). `what` names the target in errors.
Status copy_up(int from, int to, const std::string& what);

}  // namespace vs::mount
