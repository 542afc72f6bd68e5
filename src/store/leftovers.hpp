// What an interrupted operation on a guest leaves behind: build staging dirs and the temporary
// files of an atomic write, removed once the process that made them is gone.
#pragma once

#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::store {

/// True when `name` is a temporary of sys::write_file_atomic (".NAME.tmp.PID") or of the config
/// writer (".NAME.tmp.PID.WHAT", a file or a directory) or a build
/// staging dir of guest `guest` (".build-GUEST-PID") whose PID no longer runs. A live PID (even
/// a reused one) keeps the entry: removing a running writer's file would be worse than a leftover.
bool is_dead_tmp(const std::string& name);
bool is_dead_build_stage(const std::string& name, const std::string& guest);

/// Removes guest `name`'s dead build staging dirs in the config base and the roots dirs (the
/// default one and the parent of `root`), a root a killed build left without a config, and the
/// dead temporary files in its config dir (all
/// levels), its run dir and .defaults. Failures are warnings: a leftover never stops the
/// operation that found it.
void sweep_leftovers(const config::Paths& paths, const std::string& name, const std::string& root);

}  // namespace vs::store
