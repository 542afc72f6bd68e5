// Writing a pax archive to a temporary file beside its final name, renamed in only when
// complete: a failed or killed backup never leaves a partial archive under that name.
#pragma once

#include <archive.h>

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "transfer/compressor.hpp"
#include "transfer/layout.hpp"
#include "transfer/tree_reader.hpp"

namespace vs::transfer {

class ArchiveWriter : public EntrySink {
public:
    /// Creates "<dir>/.<base>.<pid>.part" (O_EXCL, mode 0600) beside `file` and opens a pax
    /// writer on it with the compression `file`'s extension names. Temporaries that killed
    /// backups left for `file` (their pid gone) are removed first.
    static Result<std::unique_ptr<ArchiveWriter>> create(const std::string& file);
    ~ArchiveWriter() override;

    Status put(archive_entry* e, int fd, const std::string& path) override;
    /// A member with `data` as its contents (the manifest), mode 0644, owned by root.
    Status put_file(const std::string& name, const std::string& data);

    /// Closes the archive, fsyncs it and renames it over `file`, then fsyncs the directory.
    /// Without commit() the destructor removes the temporary.
    Status commit();

    const std::string& temp_path() const { return temp_; }
    Compression compression() const { return comp_; }
    /// Bytes written to the file so far (compressed).
    uint64_t written() const;

private:
    ArchiveWriter() = default;
    Status feed_zeros(int64_t n, const std::string& path);
    int code() const;  ///< the errno of the last failure: the sink's, else libarchive's, else EIO
    std::string file_, temp_;
    UniqueFd fd_;
    archive* a_ = nullptr;
    Compression comp_ = Compression::None;
    std::unique_ptr<Compressor> comp_thread_;  ///< set unless comp_ is None
    int sink_errno_ = 0;
    uint64_t written_ = 0;  ///< uncompressed: bytes written to the file
    bool committed_ = false;
};

}  // namespace vs::transfer
