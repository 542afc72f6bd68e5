// OCI hooks (config.json "hooks"): run with the container's state JSON on stdin, each bounded
// by its timeout; and the startContainer hooks packed for vs-init, which runs them at `start`.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

/// Runs `hooks` in order: path with args (args[0] is argv[0]; none: the path) and exactly env,
/// `state` written to its stdin, stdout and stderr ours. A hook that cannot start, exits
/// non-zero, is killed or outlives its timeout (then SIGKILLed, its process group with it) fails
/// the phase, named "hooks.PHASE[i]" with the path and what happened.
Status run_hooks(const std::vector<spec::oci::Hook>& hooks, const char* phase,
                 const std::string& state);

/// `hooks` and `state` in the layout `vs-init --wait --hooks` reads (proc/init_protocol.hpp);
/// E2BIG when that is larger than vs-init's buffer.
Result<std::string> pack_hooks(const std::vector<spec::oci::Hook>& hooks, const std::string& state);

/// The hooks as JSON texts (kept in the record for poststop) and back.
std::vector<std::string> hooks_to_json(const std::vector<spec::oci::Hook>& hooks);
std::vector<spec::oci::Hook> hooks_from_json(const std::vector<std::string>& texts);

}  // namespace vs::runtime::oci
