// How files of the /etc/vservers tree are read: the size caps per file kind and the one reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "config/vserver/registry.hpp"

namespace vs::config::vserver {

/// A one-value file (scalar, bool): util-vserver reads only its first line; 4 KiB leaves room
/// for comments and a long path.
inline constexpr size_t kScalarCap = 4 * 1024;
/// A multi-line file (list, hash, argv, fstab): 256 KiB is thousands of lines.
inline constexpr size_t kTextCap = 256 * 1024;

size_t cap_for(FileKind kind);

/// Reads one file of the tree: a regular file of at most cap_for(kind) bytes, the last
/// component never followed when it is a symlink (only vdir, cache and run may be links, and
/// those are read with readlink, never opened). See sys::read_regular for the errors.
Result<std::string> read_config_file(const std::string& path, FileKind kind);

/// The same, ENOENT mapped to nullopt: for optional files (.defaults/shell, context.next).
Result<std::optional<std::string>> read_optional(const std::string& path, FileKind kind);

/// The number in <config_dir>/NAME/context, read as above; nullopt when the file is absent,
/// unreadable, not a regular file or not a number in 0..UINT32_MAX. For tools that only look
/// (vps, vserver-stat, context allocation), where one broken guest must not stop the others.
std::optional<uint32_t> peek_context(const Paths& paths, const std::string& guest);

}  // namespace vs::config::vserver
