// Helpers shared by the lifecycle commands (start, stop, status, enter, exec, delete...).
#pragma once

#include <optional>

#include "base/error.hpp"
#include "cli/registry.hpp"
#include "spec/guest_spec.hpp"

namespace vs::cli {

/// Loads the guest through runtime::load_guest; prints the error and sets `exit_code` (kUsage:
/// bad name, missing guest, bad config) on failure.
std::optional<spec::GuestSpec> load_or_report(GuestCommand& c, int& exit_code);

/// Prints `err` once (lower-case, via log::error) and returns kFail.
int report(const Error& err);

/// Refuses extra arguments: "NAME CMD: unexpected argument \"x\"" and kUsage.
bool no_args(const GuestCommand& c, const char* cmd, int& exit_code);

}  // namespace vs::cli
