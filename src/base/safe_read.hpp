// Reading admin-supplied files (the /etc/vservers tree): regular files only, never blocking,
// capped.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.hpp"

namespace vs::sys {

struct SafeRead {
    size_t max_bytes;          ///< a larger file is an error (EFBIG), never read whole
    bool follow_link = false;  ///< false: a symlink as the last component is refused (ELOOP)
};

/// Reads `path` (relative to `dirfd`, or absolute) when it is a regular file of at most
/// `opt.max_bytes`. A FIFO, socket, device or directory is refused before it is opened: opening a
/// FIFO for reading blocks until a writer appears (fifo(7)) and opening a device can have effects
/// of its own (a watchdog starts counting). The open itself adds O_NONBLOCK | O_NOCTTY (and
/// O_NOFOLLOW) and the opened file is checked again with fstat, so a file swapped in between is
/// refused too. Errors name the path: "\"/etc/vservers/web1/context\" is a FIFO, not a regular
/// file" (EINVAL), "... is a directory" (EISDIR), "... is a symbolic link" (ELOOP),
/// "... is too large: 104857600 bytes, at most 4096" (EFBIG); ENOENT passes through.
Result<std::string> read_regular_at(int dirfd, const std::string& path, const SafeRead& opt);
Result<std::string> read_regular(const std::string& path, const SafeRead& opt);

/// "a FIFO", "a directory", "a character device"...: for messages about a file's type.
const char* file_type_name(unsigned mode);

}  // namespace vs::sys
