// `vserver NAME build`: validate everything, stage config + root, fill the root by the method,
// then commit by renames. A failure at any point leaves the host as it was.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "store/build_request.hpp"

namespace vs::store {

/// Checks what needs the file system and fills in the derived parts of `req`: the final paths
/// (spec.root, config_dir, cache_dir), the default fstab, the template archives (readable),
/// the clone/rsync source (resolved), the debootstrap mirror, a free --context, and the whole
/// spec through the config registry (the same parsers `load` runs, so a built guest always
/// loads). Creates nothing. Errors here are bad input (exit 2).
Status prepare_build(const config::Paths& paths, BuildRequest& req);

struct BuildResult {
    std::string config_dir, root;
    uint32_t context = 0;  ///< 0 when none was given or allocated
    bool subvolume = false;
};

/// prepare_build, then builds. An existing guest (config dir or root) is refused unless
/// req.force; with force, the old guest is swapped out (renameat2 RENAME_EXCHANGE) only after
/// the new one is complete, then removed.
Result<BuildResult> build(const config::Paths& paths, BuildRequest req);

/// build() for a request prepare_build() already accepted.
Result<BuildResult> build_prepared(const config::Paths& paths, BuildRequest req);

}  // namespace vs::store
