// The template build method: unpack tar/cpio archives (plain, gz, bz2, xz, zst) with libarchive.
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::store {

/// Opens `archive` and reads its first header: a missing, unreadable or non-archive file is
/// refused before anything is created.
Status check_archive(const std::string& archive);

/// Extracts `archive` into the directory `root`, keeping numeric owners, modes, times, xattrs,
/// ACLs, file flags, hardlinks and device nodes. Entries with "..", absolute paths, or paths
/// through a symlink are refused (ARCHIVE_EXTRACT_SECURE_*); extraction also runs chrooted into
/// `root` in a child process, so even a libarchive bug cannot write outside the guest.
Status extract_archive(const std::string& archive, const std::string& root);

}  // namespace vs::store
