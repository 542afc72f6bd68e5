// The explicit id maps (userns HOSTBASE COUNT) other guests are configured with, read through the
// key registry for the id-range overlap check of build, restore and copy.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

struct GuestIdMap {
    std::string guest;
    spec::IdMap map;
    std::string path;  ///< its userns file, for messages
};

/// The `userns` HOSTBASE COUNT of every guest but `self` (a guest with an empty, yes or no
/// userns has no map of its own: its range is its context's). A guest without the file is a
/// classic guest. A userns file that cannot be read as its registry key reads it (a FIFO, a
/// symlink, a bad value) is an error naming the guest and the file: this is a safety check, and
/// skipping the guest would let two guests share host ids.
Result<std::vector<GuestIdMap>> id_maps_of_other_guests(const Paths& paths,
                                                        const std::string& self);

}  // namespace vs::config::vserver
