// The `personality` file: persona and flag names <-> the personality(2) value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace vs::config::vserver {

/// First word the persona (LINUX, LINUX32, LINUX_32BIT, LINUX32_3GB), then flag names, one per
/// line or whitespace-separated, case-insensitive, PER_ prefix optional. Personas other than
/// Linux's are refused: exec domains for them were removed from the kernel (Linux 4.1).
Result<uint32_t> parse_personality(std::string_view text);

/// The file text for a value ("LINUX32\nUNAME26\n").
std::string format_personality(uint32_t value);

}  // namespace vs::config::vserver
