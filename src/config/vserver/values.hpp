// Value syntax shared by the key parsers: scalars, lists, booleans, util-vserver limits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::config::vserver {

/// The first line, trimmed (util-vserver "scalar").
std::string scalar(std::string_view text);

/// A non-empty scalar; the error says which value kind was expected.
Result<std::string> required_scalar(std::string_view text, std::string_view what);

/// Signed and unsigned integers in a range; errors quote the value.
Result<int64_t> parse_int(std::string_view text, int64_t lo, int64_t hi, std::string_view what);

/// util-vserver limit syntax (lib/parselimit.c): N, N followed by K/M/G (x1024) or k/m/g (x1000),
/// or "inf"/"infinity"/"unlimited"/"max"/"-1" -> UINT64_MAX.
Result<uint64_t> parse_limit(std::string_view text);
std::string format_limit(uint64_t v);

/// Byte sizes for limits/: N, N[KMGT] (x1024, either case), or "max" -> -1.
Result<int64_t> parse_bytes_or_max(std::string_view text, bool allow_zero = false);
std::string format_bytes_or_max(int64_t v);

/// "1"/"yes"/"true"/"on" or an empty file -> true; "0"/"no"/"false"/"off" -> false.
Result<bool> parse_bool(std::string_view text);

/// Lines of a list file (comments and blank lines dropped), each trimmed.
std::vector<std::string> list_lines(std::string_view text);

/// Lines for argv files (cmd.*): every non-empty line verbatim except a trailing '\r'.
std::vector<std::string> argv_lines(std::string_view text);

/// Joins entries one per line with a trailing newline ("" for none).
std::string one_per_line(const std::vector<std::string>& v);

}  // namespace vs::config::vserver
