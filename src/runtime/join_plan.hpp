// The plan `vs-init --join` is sent (proc/init_protocol.hpp) and the result it writes back.
#pragma once

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "proc/init_protocol.hpp"
#include "runtime/join.hpp"

namespace vs::runtime {

/// The plan for vs-init --join: namespaces, rlimits, the compiled seccomp program, capability
/// sets, ids, home, LSM labels; E2BIG when it would not fit vs-init's bound.
Result<std::string> make_plan(const JoinProfile& profile, const JoinRequest& req, int pidfd,
                              int root_fd, int result_fd);

// The memfd vs-init --join writes its JoinResult into (all zero until it does).
Result<UniqueFd> make_result_memfd();

Result<proc::init_protocol::JoinResult> read_result(int fd);

}  // namespace vs::runtime
