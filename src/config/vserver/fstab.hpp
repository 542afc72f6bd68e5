// fstab text <-> FstabEntry list (fstab(5): octal escapes such as \040 for a space).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

/// Lines of `source target fstype [options [dump [pass]]]`; '#' comments and blank lines are
/// skipped; options default to "defaults". The error quotes the bad line.
Result<std::vector<spec::FstabEntry>> parse_fstab(std::string_view text);

std::string format_fstab(const std::vector<spec::FstabEntry>& entries);

/// What a new guest gets when .defaults/fstab does not exist (util-vserver's shipped default).
std::vector<spec::FstabEntry> builtin_default_fstab();

}  // namespace vs::config::vserver
