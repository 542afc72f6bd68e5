// Small string helpers shared by the config parsers and the tools.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vs::str {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep, bool skip_empty = true);
/// Splits on any whitespace.
std::vector<std::string> split_ws(std::string_view s);
/// Non-empty, non-comment ('#') lines, trimmed: the util-vserver "list" file format.
std::vector<std::string> lines(std::string_view s);
bool starts_with(std::string_view s, std::string_view p);
std::string lower(std::string_view s);
std::string upper(std::string_view s);
std::string join(const std::vector<std::string>& v, std::string_view sep);

/// Strict decimal parsers: the whole (trimmed) text must be a number in range.
std::optional<uint64_t> parse_u64(std::string_view s);
std::optional<int64_t> parse_i64(std::string_view s);

/// Human sizes for tables: 1536 -> "1.5K" (util-vserver's vserver-stat style).
std::string human_bytes(uint64_t bytes);

}  // namespace vs::str
