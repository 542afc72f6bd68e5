// Value syntax shared by the key parsers.
#include "config/vserver/values.hpp"

#include <cctype>
#include <cerrno>
#include <limits>

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

Result<uint64_t> parse_limit(std::string_view text) {
    auto v = scalar(text);
    auto low = str::lower(v);
    if (low == "inf" || low == "infinity" || low == "unlimited" || low == "max" || low == "-1")
        return std::numeric_limits<uint64_t>::max();
    if (v.empty()) return make_error(EINVAL, "invalid limit \"\": empty");
    uint64_t mult = 1;
    std::string num = v;
    switch (v.back()) {
        case 'K':
            mult = 1024;
            break;
        case 'M':
            mult = 1024ull * 1024;
            break;
        case 'G':
            mult = 1024ull * 1024 * 1024;
            break;
        case 'k':
            mult = 1000;
            break;
        case 'm':
            mult = 1000ull * 1000;
            break;
        case 'g':
            mult = 1000ull * 1000 * 1000;
            break;
        default:
            break;
    }
    if (mult != 1) num.pop_back();
    auto n = str::parse_u64(num);
    if (!n || num.empty() || !std::isdigit(static_cast<unsigned char>(num[0])))
        return make_error(EINVAL, "invalid limit {}", str::quote(v));
    if (*n > std::numeric_limits<uint64_t>::max() / mult)
        return make_error(EINVAL, "invalid limit {}: too large", str::quote(v));
    return *n * mult;
}

std::string format_limit(uint64_t v) {
    return v == std::numeric_limits<uint64_t>::max() ? "inf" : std::to_string(v);
}

Result<int64_t> parse_bytes_or_max(std::string_view text, bool allow_zero) {
    auto v = scalar(text);
    if (v == "max") return -1;
    if (v.empty()) return make_error(EINVAL, "invalid size \"\": empty");
    int64_t mult = 1;
    std::string num = v;
    switch (std::toupper(static_cast<unsigned char>(v.back()))) {
        case 'K':
            mult = 1LL << 10;
            break;
        case 'M':
            mult = 1LL << 20;
            break;
        case 'G':
            mult = 1LL << 30;
            break;
        case 'T':
            mult = 1LL << 40;
            break;
        default:
            break;
    }
    if (mult != 1) num.pop_back();
    auto n = str::parse_u64(num);
    if (!n || num.empty() || !std::isdigit(static_cast<unsigned char>(num[0])))
        return make_error(EINVAL, "invalid size {} (bytes, K/M/G/T suffix, or max)", str::quote(v));
    if ((*n == 0 && !allow_zero) ||
        *n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / mult))
        return make_error(EINVAL, "invalid size {}: out of range", str::quote(v));
    return static_cast<int64_t>(*n) * mult;
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
