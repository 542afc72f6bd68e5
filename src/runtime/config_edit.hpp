// `vserver NAME config set|unset`: a config edit under the guest's lock, validated as start
// validates and, for addresses, checked against other guests as `vserver NAME ip` checks them.
#pragma once

#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "config/vserver/tree.hpp"
#include "config/vserver/writer.hpp"

namespace vs::runtime {

struct ConfigEditResult {
    bool running = false;                ///< the guest runs (it keeps what it started with)
    config::vserver::LoadResult loaded;  ///< the config as it now is
};

/// Applies `edit` to guest NAME under its lock (state::GuestLock): every value checked by its
/// key's row and the whole resulting config loaded and validated (config::vserver::prepare);
/// an edit under interfaces/ is also checked, under the host-wide "ip" lock, against the
/// addresses other guests are configured with or hold and the host's (as ip_change does);
/// then committed. Nothing is changed on a running guest. `*bad_input` as for ip_change.
Result<ConfigEditResult> config_edit(const config::Paths& paths, const std::string& name,
                                     const config::vserver::Edit& edit, bool* bad_input = nullptr);

}  // namespace vs::runtime
