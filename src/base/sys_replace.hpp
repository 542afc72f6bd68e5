// Atomic replacement of files that need no durability (run-time state on a tmpfs /run).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace vs::sys {

/// tmp + rename, without write_file_atomic's two fsyncs: readers see the old or the new
/// content, never a torn file. For files under /run (claims, net.state), which a reboot
/// removes anyway, so a crash needs no fsync; on a disk-backed run dir each fsync costs ms.
Status write_file_replace(const std::string& path, std::string_view data, mode_t mode = 0644);

}  // namespace vs::sys
