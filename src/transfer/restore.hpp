// `vserver restore FILE [NEWNAME]`: a backup made into a new guest, under a temporary name
// first, with a new free context and no address clash.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"
#include "transfer/new_guest.hpp"

namespace vs::transfer {

struct RestoreOptions {
    std::string name;  ///< "" = the name in the archive
    /// Set: the restored guest's interfaces (empty: none, --no-ip). Unset: the archived ones,
    /// refused when another guest has one.
    std::optional<std::vector<spec::Interface>> interfaces;
    bool progress = true;
};

struct RestoreResult : NewGuestResult {
    std::string archived_name;
    uint64_t archive_bytes = 0;
};

/// Reads the manifest and the config members (small: checked and written with *at calls into
/// a temporary dir, loaded through the key registry), rewrites the identity
/// (transfer/new_guest.hpp), then extracts the root members into the staged root in a chrooted
/// child (store/template_extract.hpp: no entry leaves the root, none goes through a symlink,
/// no hard link reaches outside it), and renames root and config in.
Result<RestoreResult> restore(const config::Paths& paths, const std::string& file,
                              const RestoreOptions& opt);

/// Compares the root members of the archive `file` with the root of guest `name`: type, mode,
/// owners, mtime, size, contents, link targets, device numbers, xattrs, ACLs, file flags and
/// hard-link groups. Returns the differences, one line each (empty: identical).
Result<std::vector<std::string>> verify(const config::Paths& paths, const std::string& file,
                                        const std::string& name);

/// The guest name recorded in the archive's manifest.
Result<std::string> archived_name(const std::string& file);

}  // namespace vs::transfer
