// Process tree rendering (iterative, so a deep chain of processes cannot overflow the stack).
#include "procview/tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "base/strings.hpp"

namespace vs::procview {

std::string render_tree(const std::vector<Proc>& procs, const Membership& m, const TreeOptions& o) {
    auto member = [&](size_t i) { return o.only == -2 || m.guest_of(procs[i].stat.pid) == o.only; };
    std::unordered_map<pid_t, size_t> at;
    at.reserve(procs.size());
    for (size_t i = 0; i < procs.size(); ++i)
        if (member(i)) at.emplace(procs[i].stat.pid, i);
    std::unordered_map<size_t, std::vector<size_t>> kids;
    std::vector<size_t> roots;
    for (auto& [pid, i] : at) {
        auto parent = at.find(procs[i].stat.ppid);
        if (parent == at.end() || parent->second == i)
            roots.push_back(i);
        else
            kids[parent->second].push_back(i);
    }
    auto by_pid = [&](size_t a, size_t b) { return procs[a].stat.pid < procs[b].stat.pid; };
    std::sort(roots.begin(), roots.end(), by_pid);
    for (auto& [k, v] : kids) std::sort(v.begin(), v.end(), by_pid);

    std::string out;
    struct Frame {
        size_t idx;
        std::string prefix;  // drawn before this node's connector
        bool last;
        bool root;
    };
    std::vector<Frame> stack;
    for (auto it = roots.rbegin(); it != roots.rend(); ++it) stack.push_back({*it, "", true, true});
    while (!stack.empty()) {
        Frame f = std::move(stack.back());
        stack.pop_back();
        const Proc& p = procs[f.idx];
        int ctx = m.guest_of(p.stat.pid);
        bool label = f.root;
        if (!f.root) {
            auto parent = at.find(p.stat.ppid);
            label = parent == at.end() || m.guest_of(procs[parent->second].stat.pid) != ctx;
        }
        const std::string& name = (o.cmdline && !p.cmdline.empty()) ? p.cmdline : p.stat.comm;
        out += f.prefix;
        if (!f.root) out += f.last ? "`-" : "|-";
        // comm and cmdline are the guest's to choose: never a raw control byte on the terminal.
        out += fmt::format("{}({})", str::escape_control(name), p.stat.pid);
        if (label) {
            const Guest* g = ctx < 0 ? nullptr : &m.guests[static_cast<size_t>(ctx)];
            out += fmt::format(" [{}]", context_label(g));
        }
        out += '\n';
        auto k = kids.find(f.idx);
        if (k == kids.end()) continue;
        std::string child_prefix = f.root ? "" : f.prefix + (f.last ? "  " : "| ");
        const auto& v = k->second;
        for (size_t j = v.size(); j-- > 0;)
            stack.push_back({v[j], child_prefix, j + 1 == v.size(), false});
    }
    return out;
}

}  // namespace vs::procview
