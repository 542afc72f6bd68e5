// What a killed writer leaves in the config tree: its in-flight names, removed once their
// process is gone.
#pragma once

#include <string>

#include "config/paths.hpp"

namespace vs::config::vserver {

/// True when `name` is in flight (is_in_flight_name): a temporary of sys::write_file_atomic
/// (".NAME.tmp.PID") or of the config writer (".NAME.tmp.PID.WHAT", a file or a directory),
/// and PID no longer runs. A live PID (even a reused one) keeps the entry: removing a running
/// writer's file would be worse than a leftover.
bool is_dead_in_flight(const std::string& name);

/// Removes guest `name`'s dead in-flight entries under the config base: its staged configs
/// (".NAME.tmp.PID.new", NewConfig) in the base itself, and those at every level of its config
/// dir and of .defaults, never following a link nor entering a mount (vdir and cache are not
/// entered). Failures are warnings: a leftover never stops the operation that found it.
void sweep_dead_in_flight(const Paths& paths, const std::string& name);

}  // namespace vs::config::vserver
