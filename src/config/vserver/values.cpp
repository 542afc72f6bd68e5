// Value syntax shared by the key parsers.
#include "config/vserver/values.hpp"

#include <cctype>
#include <cerrno>
#include <limits>
#include <optional>
#include <utility>

#include "base/strings.hpp"

namespace vs::config::vserver {

std::string scalar(std::string_view text) {
    auto nl = text.find('\n');
    return std::string(str::trim(text.substr(0, nl)));
}

Result<std::string> required_scalar(std::string_view text, std::string_view what) {
    auto v = scalar(text);
    if (v.empty()) return make_error(EINVAL, "empty value, expected {}", what);
    return v;
}

Result<int64_t> parse_int(std::string_view text, int64_t lo, int64_t hi, std::string_view what) {
    auto v = scalar(text);
    auto n = str::parse_i64(v);
    if (!n || (!v.empty() && v[0] == '+'))
        return make_error(EINVAL, "invalid {} {}: not an integer", what, str::quote(v));
    if (*n < lo || *n > hi)
        return make_error(EINVAL, "invalid {} {}: out of range {}..{}", what, str::quote(v), lo,
                          hi);
    return *n;
}

namespace {

/// "12K" as 12 and the multiplier `unit` gives its last letter (1: not a unit, part of the
/// number); nullopt when the rest is not a plain decimal number.
std::optional<std::pair<uint64_t, uint64_t>> number_and_unit(const std::string& v,
                                                             uint64_t (*unit)(char)) {
    const uint64_t mult = unit(v.back());
    std::string num = mult == 1 ? v : v.substr(0, v.size() - 1);
    auto n = str::parse_u64(num);
    if (!n || num.empty() || !std::isdigit(static_cast<unsigned char>(num[0]))) return std::nullopt;
    return std::pair{*n, mult};
}

// Limits: K/M/G binary, k/m/g decimal.
uint64_t limit_unit(char c) {
    constexpr std::pair<char, uint64_t> kUnits[] = {
        {'K', uint64_t{1} << 10}, {'M', uint64_t{1} << 20}, {'G', uint64_t{1} << 30}, {'k', 1000},
        {'m', 1'000'000},         {'g', 1'000'000'000},
    };
    for (auto [letter, mult] : kUnits)
        if (letter == c) return mult;
    return 1;
}

// Sizes: binary units in either case.
uint64_t size_unit(char c) {
    const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (int i = 0; i < 4; ++i)
        if ("KMGT"[i] == u) return uint64_t{1} << (10 * (i + 1));
    return 1;
}

}  // namespace

Result<uint64_t> parse_limit(std::string_view text) {
    auto v = scalar(text);
    auto low = str::lower(v);
    if (low == "inf" || low == "infinity" || low == "unlimited" || low == "max" || low == "-1")
        return std::numeric_limits<uint64_t>::max();
    if (v.empty()) return make_error(EINVAL, "invalid limit \"\": empty");
    auto nu = number_and_unit(v, limit_unit);
    if (!nu) return make_error(EINVAL, "invalid limit {}", str::quote(v));
    auto [n, mult] = *nu;
    if (n > std::numeric_limits<uint64_t>::max() / mult)
        return make_error(EINVAL, "invalid limit {}: too large", str::quote(v));
    return n * mult;
}

std::string format_limit(uint64_t v) {
    return v == std::numeric_limits<uint64_t>::max() ? "inf" : std::to_string(v);
}

Result<int64_t> parse_bytes_or_max(std::string_view text, bool allow_zero) {
    auto v = scalar(text);
    if (v == "max") return -1;
    if (v.empty()) return make_error(EINVAL, "invalid size \"\": empty");
    auto nu = number_and_unit(v, size_unit);
    if (!nu)
        return make_error(EINVAL, "invalid size {} (bytes, K/M/G/T suffix, or max)", str::quote(v));
    auto [n, mult] = *nu;
    if ((n == 0 && !allow_zero) ||
        n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / mult)
        return make_error(EINVAL, "invalid size {}: out of range", str::quote(v));
    return static_cast<int64_t>(n * mult);
}

std::string format_bytes_or_max(int64_t v) { return v < 0 ? "max" : std::to_string(v); }

Result<bool> parse_bool(std::string_view text) {
    auto v = str::lower(scalar(text));
    if (v.empty() || v == "1" || v == "yes" || v == "true" || v == "on") return true;
    if (v == "0" || v == "no" || v == "false" || v == "off") return false;
    return make_error(EINVAL, "invalid boolean {} (empty, yes/no, true/false, 1/0)", str::quote(v));
}

std::vector<std::string> list_lines(std::string_view text) { return str::lines(text); }

std::vector<std::string> argv_lines(std::string_view text) {
    std::vector<std::string> out;
    for (auto l : str::split(text, '\n')) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (!l.empty()) out.push_back(l);
    }
    return out;
}

std::string one_per_line(const std::vector<std::string>& v) {
    std::string o;
    for (const auto& s : v) o += s + "\n";
    return o;
}

}  // namespace vs::config::vserver
