// The clone and rsync build methods: copy a tree into the new guest root, keeping hardlinks,
// owners (numeric), xattrs, ACLs, device nodes and file capabilities; never following a symlink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::store {

/// clone's --source: a guest name (its vdir) or a directory, resolved to a real directory path.
Result<std::string> resolve_clone_source(const config::Paths& paths, const std::string& source);

/// rsync's --source: a local directory (resolved) or a remote "host:path" kept as is.
Result<std::string> resolve_rsync_source(const std::string& source);

/// Refuses rsync options that would follow symlinks out of the source tree (-L, --copy-links,
/// --copy-unsafe-links, -k/--copy-dirlinks, -K/--keep-dirlinks) or delete outside the root.
Status check_rsync_opts(const std::vector<std::string>& opts);

/// Refuses a source with a file system mounted below it (naming each): the copy tools stop at
/// another device only, and a bind mount of the same file system would be copied.
Status check_no_submounts(const std::string& source_dir);

/// check_no_submounts, then, chrooted in a private mount namespace that holds only the source
/// (read-only, without submounts), the new root and the host's /usr, `cp --archive
/// --reflink=auto --one-file-system`: copy-on-write clones
/// where the file system can (btrfs, XFS), real copies elsewhere; symlinks are copied as symlinks
/// (-P). `progress`, when set, is called about every 200 ms with the bytes cp has written so
/// far (its write(2) and copy_file_range(2) bytes, /proc/PID/io wchar; reflinks write none).
Status clone_tree(const std::string& source_dir, const std::string& root,
                  const std::function<void(uint64_t)>& progress = {});

/// check_no_submounts (local sources), then `rsync -aHAX --numeric-ids -x [opts] SOURCE/ ROOT/`.
Status rsync_tree(const std::string& source, const std::string& root,
                  const std::vector<std::string>& opts);

}  // namespace vs::store
