// `vserver NAME build` command line -> store::BuildRequest (util-vserver's option names).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"
#include "store/build_request.hpp"

namespace vs::cli {

/// Parses `build -m METHOD [options] -- METHOD ARGS`. Every error names the flag and the value.
/// Checks syntax and ranges only (name, IPs, prefixes, context, init style, method args);
/// store::prepare_build checks what needs the file system.
Result<store::BuildRequest> parse_build_args(const std::string& name,
                                             const std::vector<std::string>& args);

/// One --interface value: `[name=][dev:|nodev:]ip[/prefix|/mask]`, id as given.
Result<spec::Interface> parse_interface_arg(const std::string& value, const std::string& id);

/// --initstyle: plain, sysv or reaper (minit, gentoo, arch... are refused by name).
Result<spec::InitStyle> parse_initstyle(const std::string& value);

}  // namespace vs::cli
