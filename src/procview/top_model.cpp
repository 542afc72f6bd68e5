// vtop's sampling and row building.
#include "procview/top_model.hpp"

#include <algorithm>

#include "base/strings.hpp"

namespace vs::procview {

const char* sort_name(TopSort s) {
    switch (s) {
        case TopSort::Cpu:
            return "%CPU";
        case TopSort::Mem:
            return "RSS";
        case TopSort::Pid:
            return "PID/CONTEXT";
        case TopSort::Time:
            return "TIME";
        case TopSort::Name:
            return "COMMAND/NAME";
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

double pct(double cpu_s, double interval_s) {
    return interval_s > 0 ? cpu_s / interval_s * 100.0 : 0.0;
}
/// The order of two rows: < 0 when `a` comes first, 0 when the key ties.
int compare_rows(const TopRow& a, const TopRow& b, TopSort sort, bool reverse) {
    auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
    int c = 0;
    switch (sort) {
        case TopSort::Cpu:
            c = cmp(b.cpu_pct, a.cpu_pct);
            break;
        case TopSort::Mem:
            c = cmp(b.rss_bytes, a.rss_bytes);
            break;
        case TopSort::Time:
            c = cmp(b.time_ticks, a.time_ticks);
            break;
        case TopSort::Pid:
            c = cmp(a.pid, b.pid);
            break;
        case TopSort::Name:
            c = cmp(a.command, b.command);
            break;
    }
    return reverse ? -c : c;
}

}  // namespace

TopModel::TopModel(config::Paths paths)
    : paths_(paths),
      scanner_(Scanner::open(top_scan_options())),
      xids_(std::move(paths)),
      clock_(Clock::now()) {}

cgroup::Manager* TopModel::manager(const std::string& name) {
    auto it = managers_.find(name);
    if (it != managers_.end()) return it->second.get();
    cgroup::Options o;
    o.root = paths_.cgroup_root;
    o.parent = paths_.cgroup_parent;
    o.name = name;
    auto m = cgroup::open(o);
    if (!m) return nullptr;  // not cached: the next refresh tries again
    return managers_.emplace(name, std::move(*m)).first->second.get();
}

bool TopModel::sample(pid_t pid, double now, std::vector<ProcSample>& out,
                      std::unordered_map<pid_t, Prev>& next) {
    ++stat_reads_;
    auto p = scanner_->read(pid);
    if (!p) return false;
    const auto& st = p->stat;
    double hz = static_cast<double>(clock_.hz);
    uint64_t ticks = st.utime_ticks + st.stime_ticks;
    double cpu = 0;
    auto it = prev_.find(st.pid);
    if (it != prev_.end() && it->second.start == st.start_ticks && now > it->second.when) {
        cpu = pct(static_cast<double>(ticks - std::min(ticks, it->second.ticks)) / hz,
                  now - it->second.when);
    } else {
        // First sight (or a reused pid): the average over its lifetime, like ps's %CPU.
        cpu = pct(static_cast<double>(ticks) / hz, now - static_cast<double>(st.start_ticks) / hz);
    }
    next[st.pid] = Prev{st.start_ticks, ticks, now};
    out.push_back(ProcSample{std::move(*p), cpu});
    return true;
}

TopModel::GroupSample TopModel::sample_group(const Guest& g, double now) {
    GroupSample s;
    cgroup::Manager* m = manager(g.name);
    if (!m) return s;
    auto st = m->stats();
    if (!st) return s;
    s.have = true;
    s.cpu_us = st->cpu_user_us + st->cpu_system_us;
    s.memory = st->memory_current;
    auto it = group_prev_.find(g.name);
    if (it != group_prev_.end() && now > it->second.when) {
        s.cpu_pct = pct(static_cast<double>(s.cpu_us - std::min(s.cpu_us, it->second.cpu_us)) / 1e6,
                        now - it->second.when);
    } else if (!g.pids.empty()) {
        // First sight: the cgroup's cpu time over the age of its oldest process (one stat read
        // per new guest; the lowest pid is the oldest unless pids wrapped, close enough here).
        auto st0 = group_start_.find(g.name);
        if (st0 == group_start_.end()) {
            ++stat_reads_;
            auto p = scanner_->read(*std::min_element(g.pids.begin(), g.pids.end()));
            st0 = group_start_.emplace(g.name, p ? p->stat.start_ticks : 0).first;
        }
        double start = static_cast<double>(st0->second) / static_cast<double>(clock_.hz);
        s.cpu_pct = pct(static_cast<double>(s.cpu_us) / 1e6, now - start);
    }
    group_prev_[g.name] = GroupPrev{s.cpu_us, now};
    return s;
}

void TopModel::load_details(size_t g) {
    if (loaded_[g + 1]) return;
    loaded_[g + 1] = true;
    double now = Clock::since_boot();
    auto& out = details_[g + 1];
    out.clear();
    for (pid_t pid : members_.guests[g].pids) (void)sample(pid, now, out, prev_);
}

Status TopModel::refresh(const std::set<std::string>& expanded) {
    if (!scanner_) return scanner_.error();
    now_ = Clock::since_boot();
    stat_reads_ = 0;
    auto pids = scanner_->list_pids();
    process_count_ = pids.size();
    // After listing, on purpose: a process that joined a guest meanwhile is labelled with it.
    members_ = VS_TRY(snapshot_membership(xids_));
    size_t ng = members_.guests.size();
    details_.assign(ng + 1, {});
    loaded_.assign(ng + 1, false);
    groups_.assign(ng, {});

    std::unordered_map<pid_t, Prev> next;
    // Host processes: whatever is listed and in no guest.
    loaded_[0] = true;
    for (pid_t pid : pids)
        if (members_.guest_of(pid) < 0) (void)sample(pid, now_, details_[0], next);

    std::set<std::string> present;
    for (size_t g = 0; g < ng; ++g) {
        const Guest& guest = members_.guests[g];
        present.insert(guest.name);
        groups_[g] = sample_group(guest, now_);
        // Expanded guests, and guests whose cgroup gives no figures, need their processes.
        if (expanded.count(guest.name) || !groups_[g].have) {
            loaded_[g + 1] = true;
            for (pid_t pid : guest.pids) (void)sample(pid, now_, details_[g + 1], next);
        }
    }
    prev_ = std::move(next);
    last_sample_ = now_;
    // Forget guests that stopped; keep the fds of live processes only.
    auto gone = [&](const std::string& name) { return !present.count(name); };
    std::erase_if(managers_, [&](const auto& kv) { return gone(kv.first); });
    std::erase_if(group_prev_, [&](const auto& kv) { return gone(kv.first); });
    std::erase_if(group_start_, [&](const auto& kv) { return gone(kv.first); });
    scanner_->prune(pids);
    return ok();
}

std::vector<std::string> TopModel::keys() const {
    std::vector<std::string> k{""};
    for (auto& g : members_.guests) k.push_back(g.name);
    return k;
}

TopRow TopModel::group_rows(size_t g, const std::set<std::string>& expanded,
                            std::vector<TopRow>& procs) {
    TopRow r;
    r.group = true;
    const Guest* guest = g == 0 ? nullptr : &members_.guests[g - 1];
    r.context = context_label(guest);
    r.key = guest ? guest->name : "";
    r.expanded = expanded.count(r.key) > 0;
    r.pid = guest && guest->xid ? static_cast<pid_t>(*guest->xid) : 0;
    r.command = guest ? guest->name : "MAIN";
    if (g > 0 && r.expanded) load_details(g - 1);
    const GroupSample* cg = g > 0 && groups_[g - 1].have ? &groups_[g - 1] : nullptr;
    if (cg) {
        // The guest cgroup's own figures: cpu of every process it ever ran, memory in use.
        r.procs = static_cast<uint32_t>(guest->pids.size());
        r.cpu_pct = cg->cpu_pct;
        r.rss_bytes = cg->memory;
        r.vsz_known = false;
        r.time_ticks = cg->cpu_us * static_cast<uint64_t>(clock_.hz) / 1000000;
    }
    for (const ProcSample& s : details_[g]) {
        const Proc& p = s.proc;
        uint64_t rss = p.stat.rss_pages * static_cast<uint64_t>(clock_.page);
        if (!cg) {
            ++r.procs;
            r.cpu_pct += s.cpu;
            r.rss_bytes += rss;
            r.vsz_bytes += p.stat.vsize_bytes;
            r.time_ticks += p.stat.utime_ticks + p.stat.stime_ticks;
        }
        if (!r.expanded) continue;
        TopRow row;
        row.pid = p.stat.pid;
        row.user = users_.name(p.uid);
        row.state = p.stat.state;
        row.cpu_pct = s.cpu;
        row.rss_bytes = rss;
        row.vsz_bytes = p.stat.vsize_bytes;
        row.time_ticks = p.stat.utime_ticks + p.stat.stime_ticks;
        // The guest names its processes: escaped once here for the TUI and -b alike.
        row.command = str::escape_control(p.stat.comm);
        procs.push_back(std::move(row));
    }
    return r;
}

std::vector<TopRow> TopModel::rows(TopSort sort, bool reverse,
                                   const std::set<std::string>& expanded) {
    size_t ng = members_.guests.size() + 1;
    if (details_.size() != ng) {  // rows() before any refresh
        details_.assign(ng, {});
        loaded_.assign(ng, true);
        groups_.assign(ng - 1, {});
    }
    std::vector<TopRow> groups(ng);
    std::vector<std::vector<TopRow>> members(ng);
    for (size_t g = 0; g < ng; ++g) groups[g] = group_rows(g, expanded, members[g]);
    std::vector<size_t> order(ng);
    for (size_t g = 0; g < ng; ++g) order[g] = g;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        int c = compare_rows(groups[a], groups[b], sort, reverse);
        if (c != 0) return c < 0;
        return a < b;  // host first on ties
    });
    std::vector<TopRow> out;
    out.reserve(ng + details_[0].size());
    for (size_t g : order) {
        out.push_back(groups[g]);
        if (!groups[g].expanded) continue;
        std::stable_sort(members[g].begin(), members[g].end(),
                         [&](const TopRow& a, const TopRow& b) {
                             int c = compare_rows(a, b, sort, reverse);
                             if (c != 0) return c < 0;
                             return a.pid < b.pid;
                         });
        for (auto& r : members[g]) out.push_back(std::move(r));
    }
    return out;
}

}  // namespace vs::procview
