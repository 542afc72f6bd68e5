// Line protocols over pipes: the migration session's two ends (transfer/).
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"

namespace vs::sys {

/// The next line read from the pipe or socket `fd`, without its '\n'; `buf` keeps what was read
/// past it for the next call. nullopt at end of file (a last line without '\n' is dropped:
/// a peer that died mid-line said nothing).
Result<std::optional<std::string>> read_line(int fd, std::string& buf, const std::string& what);

}  // namespace vs::sys
