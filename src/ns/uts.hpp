// The guest's UTS namespace: hostname (uts/nodename, default: the guest name) and domainname.
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::ns {

/// Sets the hostname (and the NIS domain name when non-empty) of the calling process's UTS
/// namespace. Run in the guest's child, after CLONE_NEWUTS. Errors name the value.
Status set_uts_in_child(const std::string& nodename, const std::string& domainname);

/// The nodename a guest gets: uts/nodename, else its name (util-vserver's default).
std::string effective_nodename(const std::string& nodename, const std::string& guest_name);

}  // namespace vs::ns
