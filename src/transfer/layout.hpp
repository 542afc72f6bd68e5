// The backup archive's layout (docs/transfer.md): member names, compression by file extension.
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::transfer {

/// Members of a backup: "vserver-backup.json" first (format, guest name, context, time), then
/// the config dir as "config/..." and the guest root as "root/...". Nothing else is accepted on
/// restore.
inline constexpr const char* kManifest = "vserver-backup.json";
inline constexpr const char* kConfigPrefix = "config";
inline constexpr const char* kRootPrefix = "root";
inline constexpr int kFormatVersion = 1;

enum class Compression { None, Gzip, Xz, Zstd };

/// From FILE's extension: .tar, .tar.gz/.tgz, .tar.xz/.txz, .tar.zst/.tar.zstd/.tzst. Anything
/// else is EINVAL naming the file and the accepted extensions.
Result<Compression> compression_for(const std::string& file);
const char* compression_name(Compression c);

}  // namespace vs::transfer
