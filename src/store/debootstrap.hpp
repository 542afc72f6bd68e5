// The debootstrap build method: a real Debian guest from the host's own apt mirror.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "store/build_request.hpp"

namespace vs::store {

/// Checks the suite name and that debootstrap is installed, and fills args.mirror from the
/// host's apt sources when empty (apt_sources.hpp). Runs before anything is created.
Status prepare_debootstrap(DebootstrapArgs& args);

/// The debootstrap argv: `debootstrap [extra...] SUITE ROOT MIRROR`. For a sysv-style guest
/// sysv-rc (Debian's /etc/init.d/rc) is added to --include, since minbase lacks it and the sysv
/// style runs it.
std::vector<std::string> debootstrap_argv(const DebootstrapArgs& args, const std::string& root,
                                          bool sysv);

Status run_debootstrap(const DebootstrapArgs& args, const std::string& root, bool sysv);

}  // namespace vs::store
