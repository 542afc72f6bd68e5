// The debootstrap build method: a real Debian guest from the host's own apt mirror.
#pragma once

#include <string>

#include "base/result.hpp"
#include "store/build_request.hpp"

namespace vs::store {

/// Checks the suite name and that debootstrap is installed, and fills args.mirror from the
/// host's apt sources when empty (apt_sources.hpp). Runs before anything is created.
Status prepare_debootstrap(DebootstrapArgs& args);

/// `debootstrap [extra...] SUITE ROOT MIRROR`.
Status run_debootstrap(const DebootstrapArgs& args, const std::string& root);

}  // namespace vs::store
