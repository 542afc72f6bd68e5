// `vserver NAME backup FILE`: the guest's config dir and root into one pax archive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "transfer/layout.hpp"

namespace vs::transfer {

struct BackupOptions {
    bool progress = true;  ///< a progress line on stderr when it is a terminal
};

/// How the archive was made consistent.
enum class Consistency {
    Stopped,   ///< the guest was stopped (and kept from starting: its lock was held)
    Snapshot,  ///< running, root a btrfs subvolume: frozen while a read-only snapshot was taken
    Frozen,    ///< running, no snapshot possible: frozen for the whole archive
};
const char* consistency_name(Consistency c);

struct BackupResult {
    std::string file;
    Compression compression = Compression::None;
    Consistency consistency = Consistency::Stopped;
    uint64_t entries = 0, bytes = 0, archive_bytes = 0;
    double seconds = 0, frozen_seconds = 0;
    std::vector<std::string> skipped;  ///< sockets and mount points, with the reason
};

/// Writes the archive (layout.hpp) to a temporary file beside FILE and renames it over FILE
/// once complete; a failure (or a kill) never leaves a partial archive under FILE, and an
/// earlier FILE stays as it was. The trees are read through src/fs/ (transfer/tree_reader.hpp).
/// A running guest is frozen (its cgroup) for as long as a btrfs snapshot of its root takes,
/// or, where the root is no subvolume, for the whole archive. FILE inside the guest's root is
/// refused.
Result<BackupResult> backup(const config::Paths& paths, const std::string& name,
                            const std::string& file, const BackupOptions& opt = {});

}  // namespace vs::transfer
