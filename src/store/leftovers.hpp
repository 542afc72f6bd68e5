// What an interrupted operation on a guest leaves behind: build staging dirs and the temporary
// files of an atomic write, removed once the process that made them is gone.
#pragma once

#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::store {

/// True when `name` is a build staging dir of guest `guest` (".build-GUEST-PID") whose PID no
/// longer runs. A live PID (even a reused one) keeps the entry: removing a running builder's
/// stage would be worse than a leftover.
bool is_dead_build_stage(const std::string& name, const std::string& guest);

/// Removes guest `name`'s dead build staging dirs in the roots dirs (the default one and the
/// parent of `root`), a root a killed build left without a config, the dead temporary files of
/// its run dir (all levels), and, through config/'s writer (sweep_dead_in_flight), the dead
/// in-flight entries of its config. Failures are warnings: a leftover never stops the
/// operation that found it.
void sweep_leftovers(const config::Paths& paths, const std::string& name, const std::string& root);

}  // namespace vs::store
