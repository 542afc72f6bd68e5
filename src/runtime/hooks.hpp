// Hook scripts (scripts/<phase>, scripts/<phase>.d/*) run on the host at their lifecycle phase.
#pragma once

#include <string>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

/// Runs every script of `phase` in order with util-vserver's arguments "<phase> <name>" and
/// VSERVER_NAME/VSERVER_DIR/VSERVER_ROOT in the environment. cwd: the config dir for
/// "initialize" and "prepre-start", the guest root otherwise (util-vserver). Executable files
/// are run; others are read by /bin/sh (util-vserver sources them). The first failing script
/// fails the phase, naming the script and its exit status.
Status run_hooks(const spec::GuestSpec& spec, const std::string& phase);

}  // namespace vs::runtime
