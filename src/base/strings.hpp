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
/// The directory holding `path` (no trailing '/'), as dirname(1) says: "/a/b" -> "/a",
/// "/a" -> "/", "a" -> ".".
std::string parent_dir(std::string_view path);

/// Strict decimal parsers: the whole (trimmed) text must be a number in range.
std::optional<uint64_t> parse_u64(std::string_view s);
std::optional<int64_t> parse_i64(std::string_view s);

/// `s` made safe to print on a terminal: valid UTF-8 text is kept; control bytes (C0, DEL and
/// the C1 range U+0080..U+009F, which terminals also take as escape sequences) and bytes that are
/// not UTF-8 are shown as \xNN, a newline as \n and NUL as \0. Used for every string a guest or a
/// config file controls (process names, command lines, values in errors, whole error lines).
std::string escape_control(std::string_view s);

/// Longest value quote() shows before cutting it.
inline constexpr size_t kQuoteMax = 200;

/// A value for a message: escape_control(s) in double quotes; past `max` bytes it is cut and the
/// full size given: "\"aaaa...\"... (104857600 bytes)". Error messages quote values with it.
std::string quote(std::string_view s, size_t max = kQuoteMax);

/// Human sizes for tables: 1536 -> "1.5K" (util-vserver's vserver-stat style).
std::string human_bytes(uint64_t bytes);

}  // namespace vs::str
