// spec::validate: the named checks every GuestSpec passes before anything touches the kernel.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::spec {

/// Guest names: 1..64 bytes of valid UTF-8, no '/', no control byte (< 0x20, 0x7f: NUL,
/// newline, ESC sequences would reach terminals and logs), not "." or "..", no ".." component,
/// and not starting with '-' (it would read as an option). The error quotes the name escaped.
Status validate_name(std::string_view name);

/// uts/nodename and uts/domainname (`what` names the key in the error): at most 64 bytes
/// (__NEW_UTS_LEN), valid UTF-8 without control bytes (C0, DEL, C1: a hostname is shown by host
/// tools and shells' prompts), no '/' and no space. The one rule for every way a value comes in
/// (the config tree, its pre-0.30 names, validate()), so what is saved always loads back.
Status validate_uts_name(std::string_view what, std::string_view value);

/// `name` fit for one line of a terminal: newline and NUL as \n and \0, other control bytes
/// and bytes of invalid UTF-8 as \xNN; valid UTF-8 text unchanged.
std::string escape_name(std::string_view name);

/// Runs every check; the first failure is returned with the check's name and the value.
Status validate(const GuestSpec& spec);

/// The names of the checks validate() runs, in order (for tests and `vserver NAME check`).
std::vector<std::string> validate_check_names();

}  // namespace vs::spec
