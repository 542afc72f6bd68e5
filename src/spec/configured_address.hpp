// An address some guest's config holds, as the cross-guest conflict checks need it: the config
// layer reads the trees and hands these to the network layer, which never reads config files.
#pragma once

#include <string>

#include "spec/ip_address.hpp"

namespace vs::spec {

struct ConfiguredAddress {
    std::string guest;  ///< the guest whose config holds it
    std::string id;     ///< its interfaces/<id>
    IpAddress addr;
};

}  // namespace vs::spec
