// Options shared by backup, restore and vserver-copy: --ip, --no-ip, --json, -q.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::cli {

struct TransferArgs {
    std::vector<std::string> positional;
    /// --ip (repeatable, build's --interface syntax) or --no-ip (empty); unset: neither.
    std::optional<std::vector<spec::Interface>> interfaces;
    bool json = false, quiet = false, verify = false;
    std::vector<std::string> flags;  ///< other --flags the command allows, as given
};

/// Parses `args`; `allowed` lists the extra flags (without value) the command takes. An
/// unknown option is EINVAL naming it.
Result<TransferArgs> parse_transfer_args(const std::string& cmd,
                                         const std::vector<std::string>& args,
                                         const std::vector<std::string>& allowed);

}  // namespace vs::cli
