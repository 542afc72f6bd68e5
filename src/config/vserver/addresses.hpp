// The addresses other guests are configured with, read through the key registry for the
// cross-guest conflict checks of build, start and `vserver NAME ip`.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/configured_address.hpp"

namespace vs::config::vserver {

/// Every enabled interfaces/<id>/ip of every guest but `self` (interfaces/<id>/disabled as its
/// registry key reads it). An interfaces tree that cannot be read, or a file there with a bad
/// value, is an error naming the guest and the file: this is a safety check, and skipping the
/// guest would let two guests take one address. A guest without interfaces/ has none.
Result<std::vector<spec::ConfiguredAddress>> addresses_of_other_guests(const Paths& paths,
                                                                       const std::string& self);

}  // namespace vs::config::vserver
