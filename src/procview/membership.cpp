// Pid -> guest from the guests' cgroup.procs files: 50 reads instead of 10,000 /proc/PID/cgroup.
#include "procview/membership.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/read.hpp"

namespace vs::procview {

std::optional<uint32_t> XidCache::xid(const std::string& name) {
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    std::optional<uint32_t> x = config::vserver::peek_context(paths_, name);
    cache_[name] = x;
    return x;
}

const Guest* Membership::find(const std::string& name) const {
    for (auto& g : guests)
        if (g.name == name) return &g;
    return nullptr;
}

std::string membership_parent_dir(const config::Paths& paths) {
    const std::string& root = paths.cgroup_root;
    std::vector<std::string> candidates;
    if (sys::exists(root + "/cgroup.controllers")) candidates.push_back(root);
    for (const char* h : {"pids", "unified", "memory", "cpuacct", "cpu,cpuacct", "cpu", "freezer"})
        candidates.push_back(root + "/" + h);
    for (auto& c : candidates) {
        std::string dir = c + "/" + paths.cgroup_parent;
        if (sys::is_dir(dir)) return dir;
    }
    return {};
}

namespace {

void parse_pids(std::string_view text, std::vector<pid_t>& out) {
    size_t i = 0;
    while (i < text.size()) {
        size_t j = text.find('\n', i);
        if (j == std::string_view::npos) j = text.size();
        pid_t pid = 0;
        auto [p, ec] = std::from_chars(text.data() + i, text.data() + j, pid);
        if (ec == std::errc() && pid > 0) out.push_back(pid);
        i = j + 1;
    }
}

// cgroup.procs of `dir` and of every cgroup below it.
void collect(int dirfd, std::vector<pid_t>& out) {
    if (auto text = sys::read_file_at(dirfd, "cgroup.procs")) parse_pids(*text, out);
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return;
    DIR* d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        return;
    }
    while (auto* e = ::readdir(d)) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        auto sub = sys::open_at(dirfd, e->d_name, O_RDONLY | O_DIRECTORY);
        if (sub) collect(sub->get(), out);
    }
    ::closedir(d);
}

}  // namespace

Result<Membership> snapshot_membership(XidCache& xids) {
    Membership m;
    std::string parent = membership_parent_dir(xids.paths());
    if (parent.empty()) return m;
    auto names = VS_TRY(sys::list_dir(parent));
    for (auto& name : names) {
        if (name.empty() || name[0] == '.') continue;
        std::string dir = parent + "/" + name;
        auto fd = sys::open(dir, O_RDONLY | O_DIRECTORY);
        if (!fd) continue;  // a plain file (v1 keeps knobs here too), or removed meanwhile
        Guest g;
        g.name = name;
        g.cgroup_dir = dir;
        collect(fd->get(), g.pids);
        // A guest cgroup without processes is a stopped guest whose cgroup was not removed
        // yet; it is not running, so it gets no row.
        if (g.pids.empty()) continue;
        g.xid = xids.xid(name);
        m.guests.push_back(std::move(g));
    }
    std::sort(m.guests.begin(), m.guests.end(),
              [](const Guest& a, const Guest& b) { return a.name < b.name; });
    size_t total = 0;
    for (auto& g : m.guests) total += g.pids.size();
    m.index.reserve(total);
    for (size_t i = 0; i < m.guests.size(); ++i)
        for (pid_t p : m.guests[i].pids) m.index.emplace(p, static_cast<int>(i));
    return m;
}

std::string context_label(const Guest* g) {
    if (!g) return "0 MAIN";
    return fmt::format("{} {}", g->xid ? std::to_string(*g->xid) : std::string("?"), g->name);
}

Result<int> resolve_context(const Membership& m, const std::string& arg) {
    if (arg == "0" || arg == "MAIN" || arg == "main") return -1;
    for (size_t i = 0; i < m.guests.size(); ++i)
        if (m.guests[i].name == arg) return static_cast<int>(i);
    if (auto x = str::parse_u64(arg)) {
        for (size_t i = 0; i < m.guests.size(); ++i)
            if (m.guests[i].xid && *m.guests[i].xid == *x) return static_cast<int>(i);
    }
    return make_error(ESRCH, "no running guest with name or context \"{}\"", arg);
}

}  // namespace vs::procview
