// AutostartPlan: dependency graph, cycle detection (Tarjan's SCC), the ready set.
#include "runtime/autostart_plan.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace vs::runtime {

namespace {

using Graph = std::vector<std::vector<size_t>>;

/// deps[g]: the guests of the group that g depends on, once each (names not in the group
/// are left out).
Graph dependency_lists(const std::vector<std::string>& names,
                       const std::map<std::string, size_t>& index,
                       const std::map<std::string, std::vector<std::string>>& depends) {
    Graph deps(names.size());
    for (size_t g = 0; g < names.size(); ++g) {
        auto it = depends.find(names[g]);
        if (it == depends.end()) continue;
        for (const auto& d : it->second) {
            auto j = index.find(d);
            if (j == index.end()) continue;
            if (std::find(deps[g].begin(), deps[g].end(), j->second) == deps[g].end())
                deps[g].push_back(j->second);
        }
    }
    return deps;
}

/// Strongly connected components: comp[v] is v's, comps lists each one's members.
struct Components {
    std::vector<int> comp;
    Graph comps;
};

/// Tarjan's algorithm over "g depends on d".
Components strongly_connected(const Graph& deps) {
    const size_t n = deps.size();
    Components out;
    out.comp.assign(n, -1);
    std::vector<int> idx(n, -1), low(n, 0);
    std::vector<bool> on(n, false);
    std::vector<size_t> stack;
    int counter = 0, ncomp = 0;
    std::function<void(size_t)> visit = [&](size_t v) {
        idx[v] = low[v] = counter++;
        stack.push_back(v);
        on[v] = true;
        for (size_t w : deps[v]) {
            if (idx[w] < 0) {
                visit(w);
                low[v] = std::min(low[v], low[w]);
            } else if (on[w]) {
                low[v] = std::min(low[v], idx[w]);
            }
        }
        if (low[v] == idx[v]) {
            out.comps.emplace_back();
            size_t w;
            do {
                w = stack.back();
                stack.pop_back();
                on[w] = false;
                out.comp[w] = ncomp;
                out.comps.back().push_back(w);
            } while (w != v);
            ++ncomp;
        }
    };
    for (size_t v = 0; v < n; ++v)
        if (idx[v] < 0) visit(v);
    return out;
}

/// One walk around cycle `c` from its first guest in group order, along edges that stay
/// inside the component: the names, the first one again at the end.
std::vector<std::string> cycle_path(const std::vector<size_t>& c, const Graph& deps,
                                    const std::vector<int>& comp,
                                    const std::vector<std::string>& names) {
    const size_t n = deps.size();
    size_t first = *std::min_element(c.begin(), c.end());
    std::vector<std::string> path{names[first]};
    std::vector<bool> seen(n, false);
    size_t v = first;
    seen[v] = true;
    while (true) {
        size_t next = n;
        for (size_t w : deps[v])
            if (comp[w] == comp[v] && (w == first || !seen[w])) {
                next = w;
                if (w == first) break;
            }
        if (next == n) break;
        path.push_back(names[next]);
        if (next == first) break;
        seen[next] = true;
        v = next;
    }
    return path;
}

}  // namespace

AutostartPlan::AutostartPlan(const std::vector<std::string>& guests,
                             const std::map<std::string, std::vector<std::string>>& depends,
                             const std::map<std::string, std::string>& blocked, bool stop)
    : stop_(stop), names_(guests) {
    for (size_t i = 0; i < names_.size(); ++i) index_[names_[i]] = i;
    size_t n = names_.size();
    waits_on_.assign(n, {});
    waited_by_.assign(n, {});
    st_.assign(n, St::Pending);
    // Edge d -> g: g depends on d. Start waits on d; stop waits on g.
    const Graph deps = dependency_lists(names_, index_, depends);
    const auto [comp, comps] = strongly_connected(deps);
    std::vector<bool> in_cycle(n, false);
    for (const auto& c : comps) {
        bool self = c.size() == 1 &&
                    std::find(deps[c[0]].begin(), deps[c[0]].end(), c[0]) != deps[c[0]].end();
        if (c.size() < 2 && !self) continue;
        for (size_t v : c) in_cycle[v] = true;
        cycles_.push_back(cycle_path(c, deps, comp, names_));
    }
    for (size_t g = 0; g < n; ++g)
        for (size_t d : deps[g]) {
            if (stop_ && comp[d] == comp[g]) continue;  // a cycle never blocks a stop
            if (!stop_) {
                waits_on_[g].push_back(d);
                waited_by_[d].push_back(g);
            } else {
                waits_on_[d].push_back(g);
                waited_by_[g].push_back(d);
            }
        }
    missing_.resize(n);
    for (size_t i = 0; i < n; ++i) missing_[i] = waits_on_[i].size();
    // A cycle's members are skipped for the cycle first, so that each says so, not that a
    // fellow member did not start; then what depends on them.
    if (!stop_) {
        for (const auto& c : cycles_) {
            std::string text;
            for (const auto& g : c) text += (text.empty() ? "" : " -> ") + g;
            for (size_t k = 0; k + 1 < c.size(); ++k) {
                size_t i = index_[c[k]];
                st_[i] = St::Skipped;
                skipped_.push_back({names_[i], "in a dependency cycle (" + text + ")"});
            }
        }
        for (size_t i = 0; i < n; ++i)
            if (in_cycle[i])
                for (size_t w : waited_by_[i])
                    skip(w, "depends on " + names_[i] + ", which did not start");
    }
    for (size_t i = 0; i < n; ++i)
        if (auto b = blocked.find(names_[i]); b != blocked.end()) skip(i, b->second);
}

void AutostartPlan::skip(size_t i, const std::string& reason) {
    if (st_[i] != St::Pending) return;
    st_[i] = St::Skipped;
    skipped_.push_back({names_[i], reason});
    for (size_t w : waited_by_[i])
        skip(w, (stop_ ? "still needed by " : "depends on ") + names_[i] + ", which " +
                    (stop_ ? "did not stop" : "did not start"));
}

std::vector<std::string> AutostartPlan::take_ready(size_t max) {
    std::vector<std::string> out;
    for (size_t i = 0; i < names_.size() && out.size() < max; ++i) {
        if (st_[i] != St::Pending || missing_[i] != 0) continue;
        st_[i] = St::Running;
        out.push_back(names_[i]);
    }
    return out;
}

void AutostartPlan::finish(const std::string& name, bool ok) {
    auto it = index_.find(name);
    if (it == index_.end() || st_[it->second] != St::Running) return;
    size_t i = it->second;
    st_[i] = ok ? St::Ok : St::Failed;
    for (size_t w : waited_by_[i]) {
        if (ok) {
            --missing_[w];
        } else {
            skip(w, (stop_ ? "still needed by " : "depends on ") + name + ", which " +
                        (stop_ ? "did not stop" : "did not start"));
        }
    }
}

std::vector<AutostartPlan::Skip> AutostartPlan::take_skipped() {
    return std::exchange(skipped_, {});
}

bool AutostartPlan::done() const {
    return std::none_of(st_.begin(), st_.end(),
                        [](St s) { return s == St::Pending || s == St::Running; });
}

}  // namespace vs::runtime
