// vpstree --json: the same forest render_tree draws, as nested JSON objects.
#include "procview/tree_json.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace vs::procview {

namespace {

struct Forest {
    const std::vector<Proc>& procs;
    const Membership& m;
    const TreeOptions& o;
    std::map<pid_t, std::vector<size_t>> children;  ///< ppid -> indexes, by pid

    bool in_scope(const Proc& p) const {
        if (o.only == -2) return true;
        int g = m.guest_of(p.stat.pid);
        return o.only == -1 ? g < 0 : g == o.only;
    }

    nlohmann::json node(size_t i, std::set<pid_t>& seen) const {
        const Proc& p = procs[i];
        seen.insert(p.stat.pid);
        int g = m.guest_of(p.stat.pid);
        nlohmann::json j = {{"pid", p.stat.pid}, {"ppid", p.stat.ppid}, {"comm", p.stat.comm}};
        if (o.cmdline) j["cmdline"] = p.cmdline;
        if (g < 0) {
            j["xid"] = 0;
            j["guest"] = nullptr;
        } else {
            const Guest& gu = m.guests[static_cast<size_t>(g)];
            j["xid"] = gu.xid ? nlohmann::json(*gu.xid) : nlohmann::json(nullptr);
            j["guest"] = gu.name;
        }
        nlohmann::json kids = nlohmann::json::array();
        if (auto it = children.find(p.stat.pid); it != children.end())
            for (size_t c : it->second)
                if (in_scope(procs[c]) && !seen.count(procs[c].stat.pid))
                    kids.push_back(node(c, seen));
        j["children"] = std::move(kids);
        return j;
    }
};

}  // namespace

nlohmann::json tree_json(const std::vector<Proc>& procs, const Membership& m,
                         const TreeOptions& o) {
    Forest f{procs, m, o, {}};
    std::vector<size_t> order(procs.size());
    for (size_t i = 0; i < procs.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return procs[a].stat.pid < procs[b].stat.pid; });
    std::map<pid_t, size_t> by_pid;
    for (size_t i : order) {
        f.children[procs[i].stat.ppid].push_back(i);
        by_pid[procs[i].stat.pid] = i;
    }
    nlohmann::json roots = nlohmann::json::array();
    std::set<pid_t> seen;
    for (size_t i : order) {
        const Proc& p = procs[i];
        if (!f.in_scope(p) || seen.count(p.stat.pid)) continue;
        // A root: its parent is not listed or lies outside the scope (a guest's init).
        auto parent = by_pid.find(p.stat.ppid);
        if (p.stat.ppid != p.stat.pid && parent != by_pid.end() &&
            f.in_scope(procs[parent->second]))
            continue;
        roots.push_back(f.node(i, seen));
    }
    return roots;
}

}  // namespace vs::procview
