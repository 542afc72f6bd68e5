// Reading a guest-controlled tree as archive entries: fs::walk on directory fds, metadata from
// statx/fstat and libarchive's disk reader on the fd we hold, never a path, never a FIFO or
// device opened.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::transfer {

class Progress;

/// Calls `fn(offset, bytes, len)` for the data of the regular file `fd` that entry `e`
/// describes, region by region as its sparse map says (holes are not read). A file that is
/// shorter or longer than the entry's size is an error naming `path`: an archive never holds
/// a silently truncated file.
using DataFn = std::function<Status(int64_t offset, const char* buf, size_t len)>;
Status read_data(int fd, archive_entry* e, const std::string& path, const DataFn& fn);

/// Receives the entries of a tree, parents first. `fd` is the open regular file to read the
/// data from (read_data), or -1 for anything without data (a directory, a symlink, a device,
/// a hard link to an entry already given).
class EntrySink {
public:
    virtual ~EntrySink() = default;
    virtual Status put(archive_entry* e, int fd, const std::string& path) = 0;
};

struct ReadStats {
    uint64_t entries = 0;
    uint64_t bytes = 0;                ///< regular file sizes (apparent), hard links once
    std::vector<std::string> skipped;  ///< sockets and mount points, with the reason
};

/// Largest regular file read: 16 TiB (ext4's limit). A bigger, necessarily sparse, file (btrfs
/// and XFS allow 8 EiB) is an error rather than hours of feeding zeros through the tar writer.
inline constexpr int64_t kMaxFileSize = int64_t(1) << 44;

/// One pass over one or more trees into one sink, sharing hard-link detection.
class TreeReader {
public:
    TreeReader();
    ~TreeReader();
    TreeReader(const TreeReader&) = delete;
    TreeReader& operator=(const TreeReader&) = delete;

    /// Gives the directory `topfd` itself as `prefix`, then everything below it as
    /// "prefix/relative/path". `top_path` names the tree in errors. Sockets are skipped (tar
    /// cannot hold them; their daemons make them again) and so is what lies on another mount
    /// (the mount point is listed in stats().skipped).
    Status read(int topfd, const std::string& top_path, const std::string& prefix, EntrySink& sink,
                Progress* progress = nullptr);

    const ReadStats& stats() const { return stats_; }

    struct Impl;  ///< libarchive's disk reader and hard-link resolver

private:
    std::unique_ptr<Impl> impl_;
    ReadStats stats_;
};

/// The sum of the sizes of the regular files below `topfd`, a hard-linked file once (one walk
/// of statx, no data read): the total the progress line's ETA is computed from. `allocated`:
/// a sparse file counts its allocated bytes only (what a copy that skips holes writes).
uint64_t tree_bytes(int topfd, const std::string& top_path, bool allocated = false);

}  // namespace vs::transfer
