// vtop: top grouped by guest (ncurses), or plain text batches with -b for scripts.
#include <curses.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/registry.hpp"
#include "procview/top_json.hpp"
#include "procview/top_model.hpp"

namespace vs::cli {
namespace {

constexpr const char* kHelp =
    "usage: vtop [-b [--json]] [-n ITERATIONS] [-d SECONDS] [-e] [-s cpu|mem|pid|time|name]\n"
    "  -b  batch mode: print plain text, no terminal control (for scripts)\n"
    "  --json  batch mode printing each sample as one line of JSON\n"
    "          (docs/json/vtop.schema.json)\n"
    "  -n  stop after ITERATIONS refreshes (default: forever; batch: 1)\n"
    "  -d  seconds between refreshes (default 2, fractions allowed)\n"
    "  -e  start with every guest expanded to its processes\n"
    "guest rows show the guest cgroup's own figures: cpu of every process it ran, RSS =\n"
    "  memory in use as the cgroup counts it (what memory.max limits), no VSZ (\"-\").\n"
    "keys: Up/Down/j/k select, Enter/space expand or collapse the selected guest,\n"
    "  e expand/collapse all, P sort by %CPU, M by RSS, N by pid (guests: xid), T by time,\n"
    "  C by name, R reverse the order, q quit.\n";

struct TopArgs {
    bool batch = false;
    bool json = false;  ///< batch, each sample one JSON document on its own line
    long iterations = -1;
    double delay = 2.0;
    bool expand_all = false;
    procview::TopSort sort = procview::TopSort::Cpu;
};

std::string fmt_time(uint64_t ticks, long hz) {
    uint64_t cs = ticks * 100 / static_cast<uint64_t>(hz);
    uint64_t s = cs / 100;
    return fmt::format("{}:{:02}.{:02}", s / 60, s % 60, cs % 100);
}

std::string header_columns() {
    return fmt::format("  {:<20} {:>7} {:<8} {:1} {:>6} {:>6} {:>6} {:>10} {}", "CONTEXT", "PROCS",
                       "USER", "S", "%CPU", "RSS", "VSZ", "TIME", "COMMAND");
}

std::string row_text(const procview::TopRow& r, long hz) {
    if (r.group)
        return fmt::format("{} {:<20} {:>7} {:<8} {:1} {:>6.1f} {:>6} {:>6} {:>10}",
                           r.expanded ? '-' : '+', r.context, r.procs, "", "", r.cpu_pct,
                           str::human_bytes(r.rss_bytes),
                           r.vsz_known ? str::human_bytes(r.vsz_bytes) : std::string("-"),
                           fmt_time(r.time_ticks, hz));
    return fmt::format("  {:<20} {:>7} {:<8.8} {:1} {:>6.1f} {:>6} {:>6} {:>10} {}", "", r.pid,
                       r.user, r.state, r.cpu_pct, str::human_bytes(r.rss_bytes),
                       str::human_bytes(r.vsz_bytes), fmt_time(r.time_ticks, hz), r.command);
}

std::string summary(const procview::TopModel& m, procview::TopSort sort, bool reverse) {
    time_t t = ::time(nullptr);
    struct tm tmv {};
    ::localtime_r(&t, &tmv);
    double loads[3] = {0, 0, 0};
    (void)::getloadavg(loads, 3);
    return fmt::format(
        "vtop - {:02}:{:02}:{:02}  guests: {}  processes: {}  load average: {:.2f}, "
        "{:.2f}, {:.2f}  sort: {}{}",
        tmv.tm_hour, tmv.tm_min, tmv.tm_sec, m.guest_count(), m.process_count(), loads[0], loads[1],
        loads[2], procview::sort_name(sort), reverse ? " (reversed)" : "");
}

void sleep_for(double s) {
    if (s <= 0) return;
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(s);
    ts.tv_nsec = static_cast<long>((s - std::floor(s)) * 1e9);
    while (::nanosleep(&ts, &ts) != 0) {
    }
}

int run_batch(const TopArgs& a, procview::TopModel& m) {
    long n = a.iterations < 0 ? 1 : a.iterations;
    std::set<std::string> expanded;
    for (long i = 0; i < n; ++i) {
        if (i > 0) sleep_for(a.delay);
        if (auto st = m.refresh(expanded); !st) {
            log::error("{}", st.error().what());
            return kFail;
        }
        if (a.expand_all) {
            auto keys = m.keys();
            expanded = std::set<std::string>(keys.begin(), keys.end());
        }
        auto rows = m.rows(a.sort, false, expanded);
        if (a.json) {
            // Guest-chosen command names need not be UTF-8: replaced (U+FFFD), never a throw.
            fmt::print("{}\n", procview::top_json(m, a.sort, rows)
                                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            std::fflush(stdout);
            continue;
        }
        std::string out = summary(m, a.sort, false) + "\n\n" + header_columns() + "\n";
        for (auto& r : rows) (out += row_text(r, m.clock().hz)) += '\n';
        out += '\n';
        fmt::print("{}", out);
        std::fflush(stdout);
    }
    return kOk;
}

// The interactive view's state between two keys: what is expanded, the order, the selection.
struct Screen {
    std::set<std::string> expanded;
    bool all = false;  ///< expand every guest at the next sample
    bool reverse = false;
    procview::TopSort sort = procview::TopSort::Cpu;
    size_t selected = 0, top = 0;
    std::vector<procview::TopRow> rows;

    /// Rows of the table that fit below the three header lines.
    static size_t body() { return LINES > 4 ? static_cast<size_t>(LINES - 4) : 1; }

    void draw(procview::TopModel& m) {
        if (all) {
            for (auto& k : m.keys()) expanded.insert(k);
            all = false;
        }
        rows = m.rows(sort, reverse, expanded);
        if (selected >= rows.size()) selected = rows.empty() ? 0 : rows.size() - 1;
        const int w = COLS;
        const size_t n = body();
        if (selected < top) top = selected;
        if (selected >= top + n) top = selected - n + 1;
        erase();
        mvaddnstr(0, 0, summary(m, sort, reverse).c_str(), w);
        mvaddnstr(1, 0, "Enter/space: expand  e: all  P M N T C: sort  R: reverse  q: quit", w);
        attron(A_REVERSE);
        std::string hdr = header_columns();
        hdr.resize(static_cast<size_t>(std::max(w, 1)), ' ');
        mvaddnstr(3, 0, hdr.c_str(), w);
        attroff(A_REVERSE);
        for (size_t i = top; i < rows.size() && i < top + n; ++i) {
            int y = 4 + static_cast<int>(i - top);
            if (i == selected) attron(A_STANDOUT);
            if (rows[i].group) attron(A_BOLD);
            mvaddnstr(y, 0, row_text(rows[i], m.clock().hz).c_str(), w);
            attroff(A_BOLD | A_STANDOUT);
        }
        refresh();
    }

    /// Expands or collapses the selected guest; on a process row, the guest it belongs to.
    void toggle_selected() {
        if (selected >= rows.size()) return;
        std::string key = rows[selected].key;
        if (!rows[selected].group) {
            for (size_t i = selected + 1; i-- > 0;)
                if (rows[i].group) {
                    key = rows[i].key;
                    selected = i;
                    break;
                }
        }
        if (!expanded.erase(key)) expanded.insert(key);
    }

    /// Applies key `ch`; false when it asks to quit.
    bool key(int ch) {
        switch (ch) {
            case 'q':
            case 'Q':
                return false;
            case KEY_UP:
            case 'k':
                if (selected > 0) --selected;
                break;
            case KEY_DOWN:
            case 'j':
                ++selected;
                break;
            case KEY_PPAGE:
                selected = selected > body() ? selected - body() : 0;
                break;
            case KEY_NPAGE:
                selected += body();
                break;
            case KEY_HOME:
                selected = 0;
                break;
            case '\n':
            case '\r':
            case KEY_ENTER:
            case ' ':
                toggle_selected();
                break;
            case 'e':
                if (expanded.empty()) {
                    all = true;
                } else {
                    expanded.clear();
                }
                break;
            case 'P':
                sort = procview::TopSort::Cpu;
                break;
            case 'M':
                sort = procview::TopSort::Mem;
                break;
            case 'N':
                sort = procview::TopSort::Pid;
                break;
            case 'T':
                sort = procview::TopSort::Time;
                break;
            case 'C':
                sort = procview::TopSort::Name;
                break;
            case 'R':
                reverse = !reverse;
                break;
            default:
                break;  // KEY_RESIZE and others: just redraw
        }
        return true;
    }
};

int run_screen(const TopArgs& a, procview::TopModel& m) {
    if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO)) {
        log::error("vtop needs a terminal; use -b for batch mode");
        return kUsage;
    }
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    Screen sc;
    sc.all = a.expand_all;
    sc.sort = a.sort;
    long iterations = 0;
    bool resample = true;
    for (;;) {
        if (resample) {
            if (a.iterations >= 0 && iterations >= a.iterations) break;
            if (auto st = m.refresh(sc.expanded); !st) {
                endwin();
                log::error("{}", st.error().what());
                return kFail;
            }
            ++iterations;
            resample = false;
        }
        sc.draw(m);
        timeout(static_cast<int>(a.delay * 1000));
        int ch = getch();
        if (ch == ERR)
            resample = true;  // the refresh interval passed
        else if (!sc.key(ch))
            break;
    }
    endwin();
    return kOk;
}

int vtop_main(std::vector<std::string>& args) {
    TopArgs a;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        auto next = [&]() -> std::optional<std::string> {
            if (i + 1 < args.size()) return args[++i];
            return std::nullopt;
        };
        if (s == "-b" || s == "--batch") {
            a.batch = true;
        } else if (s == "--json") {
            a.batch = a.json = true;
        } else if (s == "-e" || s == "--expand") {
            a.expand_all = true;
        } else if (s == "-n" || s == "-d" || s == "-s") {
            auto v = next();
            if (!v) {
                log::error("{} needs a value", s);
                return kUsage;
            }
            if (s == "-n") {
                auto n = str::parse_u64(*v);
                if (!n || *n == 0) {
                    log::error("bad -n \"{}\": want a positive number", *v);
                    return kUsage;
                }
                a.iterations = static_cast<long>(*n);
            } else if (s == "-d") {
                char* end = nullptr;
                double d = std::strtod(v->c_str(), &end);
                if (v->empty() || *end || d < 0 || d > 86400) {
                    log::error("bad -d \"{}\": want seconds", *v);
                    return kUsage;
                }
                a.delay = d;
            } else {
                static const std::map<std::string, procview::TopSort> keys{
                    {"cpu", procview::TopSort::Cpu},
                    {"mem", procview::TopSort::Mem},
                    {"pid", procview::TopSort::Pid},
                    {"time", procview::TopSort::Time},
                    {"name", procview::TopSort::Name}};
                auto it = keys.find(*v);
                if (it == keys.end()) {
                    log::error("bad -s \"{}\": want cpu, mem, pid, time or name", *v);
                    return kUsage;
                }
                a.sort = it->second;
            }
        } else if (s == "-h" || s == "--help") {
            fmt::print("{}", kHelp);
            return kOk;
        } else {
            log::error("unknown argument \"{}\"", s);
            fmt::print(stderr, "{}", kHelp);
            return kUsage;
        }
    }
    procview::TopModel m(config::Paths::from_env());
    return a.batch ? run_batch(a, m) : run_screen(a, m);
}

RegisterTool reg("vtop",
                 {"the guests and their processes, top(1)-like, with cgroup figures",
                  kHelp,
                  {"-b", "--batch", "--json", "-e", "--expand", "-n", "-d", "-s"}},
                 vtop_main);

}  // namespace
}  // namespace vs::cli
