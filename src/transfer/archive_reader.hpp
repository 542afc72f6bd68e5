// Reading a backup archive: libarchive with in-process decoders only, and the member checks
// restore and verify share.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::transfer {

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

/// A reader on `file` for tar (pax, GNU, ustar) with gzip, xz, zstd, bzip2 or no compression.
/// No external decompressor is ever run on the archive (archive_read_support_filter_all
/// would fall back to programs).
struct Reader {
    UniqueFd fd;
    ArchivePtr a{nullptr, archive_read_free};
    static Result<Reader> open(const std::string& file);
    std::string error() const;
};

/// `path` without "prefix/" when it is a member of that tree: "" for the tree's top itself,
/// nullopt for a member of something else. A trailing '/' is ignored.
std::optional<std::string> member_of(const std::string& path, const std::string& prefix);

/// A member path that is safe to create below a directory: relative, no "", "." or ".."
/// component.
bool safe_relative(const std::string& rel);

}  // namespace vs::transfer
