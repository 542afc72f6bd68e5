// One running instance per context and per guest root: claim files under the run dir
// (RUN/.claims/context-N, RUN/.claims/root-DEV-INO, each naming its guest), checked and written
// under a host-wide lock, so two concurrent starts cannot both take the same identity.
#pragma once

#include <functional>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"
#include "state/guest_state.hpp"

namespace vs::runtime {

/// Under the host-wide claims lock: refuses when a live guest other than `spec.name` holds the
/// guest's context or its root directory (an alias config dir, a second vdir to the same tree),
/// naming that guest; else runs `save_state` (which records this start as Starting, so a
/// concurrent start sees it live from then on) and writes the claims. A claim whose guest is
/// not live (no start or stop holds its lock and its init is gone, e.g. a SIGKILLed start) is
/// stale and taken over.
Status claim_identity(const config::Paths& paths, const spec::GuestSpec& spec,
                      const std::function<Status()>& save_state);

/// Removes the claims naming `name` (stop, a start's rollback, the repair of leftovers); the
/// caller holds the guest lock, so no start takes them over meanwhile. Never fails: a claim
/// left behind is stale and taken over by the next start that needs it.
void release_identity(const config::Paths& paths, const std::string& name);

}  // namespace vs::runtime
