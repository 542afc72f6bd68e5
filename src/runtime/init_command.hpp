// What runs as the guest's PID 1 for each init style, and where our vs-init helper lives.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

struct InitCommand {
    std::vector<std::string> argv;  ///< for plain: the guest's program; else vs-init's argv
    bool use_helper = false;        ///< exec our sealed vs-init copy instead of a guest path
};

/// plain: apps/init/cmd.start, else /sbin/init. sysv: vs-init running cmd.start, else
/// "/etc/init.d/rc <runlevel>" (or /etc/rc.d/rc). reaper: vs-init running cmd.start or nothing.
/// `rescue` (start --rescue) replaces all of it. Checks inside the guest root (openat2) that
/// the program exists, naming it when it does not.
Result<InitCommand> init_command(const spec::GuestSpec& spec,
                                 const std::vector<std::string>& rescue);

/// The stop command run inside the guest before the kill sequence (may be empty):
/// cmd.stop, else for sysv "/etc/init.d/rc <runlevel_stop>".
std::vector<std::string> stop_command(const spec::GuestSpec& spec);

/// The vs-init binary: $VSERVER_INIT_HELPER, else next to the running vserver binary.
Result<std::string> helper_path();

/// True when `path` names an existing non-directory inside the guest root.
bool exists_in_guest(const std::string& root, const std::string& path);

}  // namespace vs::runtime
