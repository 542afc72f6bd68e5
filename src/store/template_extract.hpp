// The template build method: unpack tar/cpio archives (plain, gz, bz2, xz, zst) with libarchive.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.hpp"

struct archive_entry;

namespace vs::store {

/// Opens `archive` and reads its first header: a missing, unreadable or non-archive file is
/// refused before anything is created.
Status check_archive(const std::string& archive);

/// Extracts `archive` into the directory `root`, keeping numeric owners, modes, times, xattrs,
/// ACLs, file flags, hardlinks and device nodes. Entries with "..", absolute paths, or paths
/// through a symlink are refused (ARCHIVE_EXTRACT_SECURE_*); extraction also runs chrooted into
/// `root` in a child process, so even a libarchive bug cannot write outside the guest.
Status extract_archive(const std::string& archive, const std::string& root);

/// What extract_archive_with asks about each entry (in the chrooted child).
struct ExtractHooks {
    /// "" extracts the entry (the hook may rename it and its hard-link target first), "-"
    /// skips it, anything else stops the extraction with that message.
    std::function<std::string(archive_entry*)> filter;
    /// Called in the child after the last entry (and libarchive's deferred directory fixes);
    /// returns "" or the error message.
    std::function<std::string()> finish;
    /// Called in the parent every 200 ms with the bytes of the archive file read so far.
    std::function<void(uint64_t)> progress;
    /// Starts each large regular file's writeback as soon as it is extracted (for a caller that
    /// syncs the tree afterwards: the disk writes meanwhile instead of all at the end).
    bool writeback = false;
};

/// extract_archive with an entry filter (restore: only the root's members, prefix removed) and
/// a progress callback. Holes of sparse entries stay holes.
Status extract_archive_with(const std::string& archive, const std::string& root,
                            const ExtractHooks& hooks);

}  // namespace vs::store
