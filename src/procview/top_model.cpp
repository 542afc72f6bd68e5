// vtop's sampling and row building.
#include "procview/top_model.hpp"

#include <algorithm>

namespace vs::procview {

const char* sort_name(TopSort s) {
    switch (s) {
        case TopSort::Cpu: return "%CPU";
        case TopSort::Mem: return "RSS";
        case TopSort::Pid: return "PID/CONTEXT";
        case TopSort::Time: return "TIME";
        case TopSort::Name: return "COMMAND/NAME";
    }
    return "?";
}

namespace {
ScanOptions top_scan_options() {
    ScanOptions o;
    o.keep_fds = true;
    o.cmdline = false;
    return o;
}
}  // namespace

TopModel::TopModel(config::Paths paths)
    : paths_(paths), scanner_(Scanner::open(top_scan_options())), xids_(std::move(paths)),
      clock_(Clock::now()) {}

Status TopModel::refresh() {
    if (!scanner_) return scanner_.error();
    double now = Clock::since_boot();
    procs_ = scanner_->scan();
    members_ = VS_TRY(snapshot_membership(xids_));
    cpu_.assign(procs_.size(), 0.0);
    std::unordered_map<pid_t, Prev> next;
    next.reserve(procs_.size());
    double hz = static_cast<double>(clock_.hz);
    for (size_t i = 0; i < procs_.size(); ++i) {
        const auto& st = procs_[i].stat;
        uint64_t ticks = st.utime_ticks + st.stime_ticks;
        auto it = prev_.find(st.pid);
        if (last_sample_ >= 0 && it != prev_.end() && it->second.start == st.start_ticks &&
            now > last_sample_) {
            cpu_[i] = static_cast<double>(ticks - std::min(ticks, it->second.ticks)) / hz /
                      (now - last_sample_) * 100.0;
        } else {
            // First sight (or a reused pid): the average over its lifetime, like ps's %CPU.
            double age = now - static_cast<double>(st.start_ticks) / hz;
            cpu_[i] = age > 0 ? static_cast<double>(ticks) / hz / age * 100.0 : 0.0;
        }
        next.emplace(st.pid, Prev{st.start_ticks, ticks});
    }
    prev_ = std::move(next);
    last_sample_ = now;
    return ok();
}

std::vector<TopRow> TopModel::rows(TopSort sort, bool reverse, const std::set<std::string>& expanded) {
    size_t ng = members_.guests.size() + 1;
    std::vector<TopRow> groups(ng);
    std::vector<std::vector<TopRow>> members(ng);
    for (size_t g = 0; g < ng; ++g) {
        TopRow& r = groups[g];
        r.group = true;
        const Guest* guest = g == 0 ? nullptr : &members_.guests[g - 1];
        r.context = context_label(guest);
        r.key = guest ? guest->name : "";
        r.expanded = expanded.count(r.key) > 0;
        r.pid = guest && guest->xid ? static_cast<pid_t>(*guest->xid) : 0;
        r.command = guest ? guest->name : "MAIN";
    }
    for (size_t i = 0; i < procs_.size(); ++i) {
        const Proc& p = procs_[i];
        size_t g = static_cast<size_t>(members_.guest_of(p.stat.pid) + 1);
        TopRow& G = groups[g];
        uint64_t rss = p.stat.rss_pages * static_cast<uint64_t>(clock_.page);
        ++G.procs;
        G.cpu_pct += cpu_[i];
        G.rss_bytes += rss;
        G.vsz_bytes += p.stat.vsize_bytes;
        G.time_ticks += p.stat.utime_ticks + p.stat.stime_ticks;
        if (!G.expanded) continue;
        TopRow r;
        r.pid = p.stat.pid;
        r.user = users_.name(p.uid);
        r.state = p.stat.state;
        r.cpu_pct = cpu_[i];
        r.rss_bytes = rss;
        r.vsz_bytes = p.stat.vsize_bytes;
        r.time_ticks = p.stat.utime_ticks + p.stat.stime_ticks;
        r.command = p.stat.comm;
        members[g].push_back(std::move(r));
    }
    auto key = [&](const TopRow& a, const TopRow& b) -> int {  // <0: a first
        auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
        int c = 0;
        switch (sort) {
            case TopSort::Cpu: c = cmp(b.cpu_pct, a.cpu_pct); break;
            case TopSort::Mem: c = cmp(b.rss_bytes, a.rss_bytes); break;
            case TopSort::Time: c = cmp(b.time_ticks, a.time_ticks); break;
            case TopSort::Pid: c = cmp(a.pid, b.pid); break;
            case TopSort::Name: c = cmp(a.command, b.command); break;
        }
        return reverse ? -c : c;
    };
    auto ordered = [&](std::vector<TopRow>& v) {
        std::stable_sort(v.begin(), v.end(), [&](const TopRow& a, const TopRow& b) {
            int c = key(a, b);
            if (c != 0) return c < 0;
            return a.pid < b.pid;
        });
    };
    std::vector<size_t> order(ng);
    for (size_t g = 0; g < ng; ++g) order[g] = g;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        int c = key(groups[a], groups[b]);
        if (c != 0) return c < 0;
        return a < b;  // host first on ties
    });
    std::vector<TopRow> out;
    out.reserve(ng + procs_.size());
    for (size_t g : order) {
        out.push_back(groups[g]);
        if (groups[g].expanded) {
            ordered(members[g]);
            for (auto& r : members[g]) out.push_back(std::move(r));
        }
    }
    return out;
}

}  // namespace vs::procview
