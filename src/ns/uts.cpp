// sethostname/setdomainname.
#include "ns/uts.hpp"

#include <unistd.h>

namespace vs::ns {

Status set_uts_in_child(const std::string& nodename, const std::string& domainname) {
    if (::sethostname(nodename.data(), nodename.size()) < 0)
        return errno_error(fmt::format("sethostname \"{}\"", nodename));
    if (!domainname.empty() && ::setdomainname(domainname.data(), domainname.size()) < 0)
        return errno_error(fmt::format("setdomainname \"{}\"", domainname));
    return ok();
}

std::string effective_nodename(const std::string& nodename, const std::string& guest_name) {
    // A hostname is at most 64 bytes (HOST_NAME_MAX); guest names are validated to fit.
    return nodename.empty() ? guest_name.substr(0, 64) : nodename;
}

}  // namespace vs::ns
