// A refresh's staging root as a hard-link farm of the root it replaces, and the undo record of
// the linked inodes' owner, mode and xattrs that keeps the old root whole if the refresh fails.
//
// rsync into the farm replaces a changed file by a new one (a temporary renamed over the link),
// so a shared inode's data is never written. What rsync does change in place is the owner, mode,
// ACLs and xattrs of a file whose size and mtime match the source's (its quick check): on a
// linked file that would change the old root too. The undo record, written and fsynced before
// rsync starts, gives those back when the refresh fails, and after a crash or a SIGKILL when the
// next command on the guest sweeps its leftovers (store/leftovers.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace vs::store {

/// The undo record of guest `guest`'s refresh by process `pid`, beside its stage in `dir`.
std::string refresh_undo_path(const std::string& dir, const std::string& guest, pid_t pid);

/// True when `name` is an undo record of guest `guest` (".undo-GUEST-PID") whose PID is gone.
bool is_dead_refresh_undo(const std::string& name, const std::string& guest);

struct FarmStats {
    uint64_t dirs = 0;    ///< directories made
    uint64_t linked = 0;  ///< regular files hard-linked (names, not inodes)
    uint64_t copied = 0;  ///< files that could not be linked (immutable, EMLINK): copied
};

/// Fills the empty directory `stage` with a farm of `root` (same file system): every directory
/// made (mode 0700: rsync sets its metadata), every regular file hard-linked, or copied with its
/// holes, owner, mode and mtime when it cannot be (an immutable or append-only file: EPERM;
/// EMLINK). Symlinks, devices, FIFOs and sockets are left to rsync; mount points below `root`
/// are not crossed. The undo record of the linked inodes is written to `undo` (a new file) and
/// fsynced with its directory before this returns.
Result<FarmStats> build_link_farm(const std::string& root, const std::string& stage,
                                  const std::string& undo);

/// Rolls back through undo record `undo`: when the root it names is still the root the record
/// was made from (same inode; a committed refresh exchanged it), every linked inode gets back the
/// owner, mode and xattrs it had. Then the record is removed. A record that cannot be applied
/// is kept (the next sweep tries again) and the error returned.
Status apply_refresh_undo(const std::string& undo);

/// Removes undo record `undo` once the refresh it guarded is committed and on disk.
Status drop_refresh_undo(const std::string& undo);

}  // namespace vs::store
