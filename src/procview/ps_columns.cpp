// Column surgery on ps output for vps.
#include "procview/ps_columns.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace vs::procview {
namespace {
bool blank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

std::optional<PidColumn> find_pid_column(std::string_view h) {
    size_t i = 0, token = 0;
    while (i < h.size()) {
        while (i < h.size() && blank(h[i])) ++i;
        if (i >= h.size()) break;
        size_t j = i;
        while (j < h.size() && !blank(h[j])) ++j;
        if (h.substr(i, j - i) == "PID") return PidColumn{j, token};
        ++token;
        i = j;
    }
    return std::nullopt;
}

std::optional<PidAt> pid_in_line(std::string_view line, const PidColumn& col) {
    auto digits_ending_at = [&](size_t end) -> std::optional<PidAt> {
        size_t b = end;
        while (b > 0 && std::isdigit(static_cast<unsigned char>(line[b - 1]))) --b;
        if (b == end || (b > 0 && !blank(line[b - 1]))) return std::nullopt;
        if (end < line.size() && !blank(line[end])) return std::nullopt;
        pid_t pid = 0;
        auto [p, ec] = std::from_chars(line.data() + b, line.data() + end, pid);
        if (ec != std::errc() || pid <= 0) return std::nullopt;
        return PidAt{pid, end};
    };
    if (col.end <= line.size()) {
        if (auto r = digits_ending_at(col.end)) return r;
    }
    // Shifted line: the word at the same position.
    size_t i = 0, token = 0;
    while (i < line.size()) {
        while (i < line.size() && blank(line[i])) ++i;
        if (i >= line.size()) break;
        size_t j = i;
        while (j < line.size() && !blank(line[j])) ++j;
        if (token == col.token) return digits_ending_at(j);
        ++token;
        i = j;
    }
    return std::nullopt;
}

std::string insert_column(std::string_view line, size_t at, std::string_view label) {
    std::string out;
    out.reserve(line.size() + kContextWidth + 8);
    out.append(line.substr(0, at));
    out += ' ';
    out.append(label);
    if (label.size() < kContextWidth - 1) out.append(kContextWidth - 1 - label.size(), ' ');
    std::string_view rest = at < line.size() ? line.substr(at) : std::string_view{};
    if (label.size() >= kContextWidth - 1 && (rest.empty() || !blank(rest.front()))) out += ' ';
    out.append(rest);
    while (!out.empty() && blank(out.back())) out.pop_back();
    return out;
}

}  // namespace vs::procview
