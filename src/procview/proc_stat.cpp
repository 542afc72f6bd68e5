// Parser for /proc/PID/stat (field list: proc(5)).
#include "procview/proc_stat.hpp"

#include <charconv>

namespace vs::procview {
namespace {

// Reads the next space-separated field as a number; false at end of text or on garbage.
template <typename T>
bool next_num(std::string_view& s, T& out) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc()) return false;
    s.remove_prefix(static_cast<size_t>(p - s.data()));
    return true;
}

bool skip(std::string_view& s, int n) {
    for (int i = 0; i < n; ++i) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        if (s.empty()) return false;
        size_t e = s.find(' ');
        s.remove_prefix(e == std::string_view::npos ? s.size() : e);
    }
    return true;
}

}  // namespace

std::optional<ProcStat> parse_stat(std::string_view text) {
    ProcStat st;
    size_t open = text.find('(');
    size_t close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;
    std::string_view head = text.substr(0, open);
    if (!next_num(head, st.pid)) return std::nullopt;
    st.comm.assign(text.substr(open + 1, close - open - 1));
    std::string_view s = text.substr(close + 1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
    st.state = s.front();
    s.remove_prefix(1);
    // Fields 4..: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    // cutime cstime priority nice num_threads itrealvalue starttime vsize rss
    int tpgid = 0;
    unsigned flags = 0;
    int64_t prio = 0, itreal = 0;
    if (!next_num(s, st.ppid) || !next_num(s, st.pgrp) || !next_num(s, st.session) ||
        !next_num(s, st.tty_nr) || !next_num(s, tpgid) || !next_num(s, flags) || !skip(s, 4) ||
        !next_num(s, st.utime_ticks) || !next_num(s, st.stime_ticks) || !skip(s, 2) ||
        !next_num(s, prio) || !next_num(s, st.nice) || !next_num(s, st.threads) ||
        !next_num(s, itreal) || !next_num(s, st.start_ticks) || !next_num(s, st.vsize_bytes) ||
        !next_num(s, st.rss_pages))
        return std::nullopt;
    return st;
}

}  // namespace vs::procview
