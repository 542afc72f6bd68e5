// The entries of a guest's root changed since a moment: what a migration's final pass sends
// (rsync --files-from) instead of comparing the whole tree on both hosts.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace vs::transfer {

/// A moment to list changes from: CLOCK_REALTIME (the clock of inode change times) and
/// CLOCK_MONOTONIC read together, so that a step of the wall clock in between is noticed.
struct ChangeEpoch {
    int64_t realtime_ns = 0, monotonic_ns = 0;
    static ChangeEpoch now();
};

struct ChangeList {
    /// rsync --files-from --from0 entries, each "./PATH" (a name starting with '#' or ';' is
    /// not taken for a comment): a changed directory as "./PATH/" (sent with everything below
    /// it: -r), anything else as "./PATH"; "./" alone when the root itself changed.
    std::string entries;
    uint64_t count = 0;    ///< entries listed
    uint64_t scanned = 0;  ///< entries looked at
};

/// Lists what in the tree at `root` (not crossing mounts, through fs::walk) has an inode change
/// time (ctime) at or after `since`, less a margin for coarse and truncated timestamps. Every
/// change of a file's data, size, owner, mode, xattrs, links or name sets its ctime, which
/// no unprivileged process can set back (mtime can be, with utimensat), and a removal or a
/// rename sets its directory's: a directory listed is sent whole, so what was removed, renamed
/// or moved in below it is too. Writes through a shared mapping set it only when a clean page
/// is first written: the caller syncs the file system at `since` (see docs/transfer.md).
/// ESTALE when the wall clock stepped since `since` (the times cannot be compared).
Result<ChangeList> changed_since(const std::string& root, const ChangeEpoch& since);

}  // namespace vs::transfer
