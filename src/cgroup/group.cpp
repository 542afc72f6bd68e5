// Group: creation, membership, listing and removal of a guest's cgroup in every hierarchy.
#include "cgroup/group.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"
#include "base/sys_fs.hpp"
#include "cgroup/cgroupfs.hpp"

namespace vs::cgroup {

namespace {

// Controllers a guest gets on cgroup2 from the start: the ones limits and stats need.
// hugetlb is enabled only when a hugetlb limit is applied (apply.cpp), so that a host whose
// cgroup2 root offers only hugetlb (this hybrid CI machine) is left untouched otherwise.
const std::vector<std::string> kV2Default = {"cpuset", "cpu", "io", "memory", "pids"};

std::string join_path(const std::string& base, const std::vector<std::string>& parts, size_t n) {
    std::string p = base;
    for (size_t i = 0; i < n && i < parts.size(); ++i) p += "/" + parts[i];
    return p;
}

// v1 cpuset: a new cgroup starts with empty cpus and mems and refuses tasks (ENOSPC) until
// they are set, so they are copied from the parent unless the kernel already did (below).
Status init_cpuset(const std::string& dir, const std::string& parent) {
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        std::string mine = dir + "/" + f;
        if (!sys::exists(mine)) continue;  // a fake tree, or a noprefix mount
        auto cur = VS_TRY(fs::read_trimmed(mine));
        if (!cur.empty()) continue;
        auto from = VS_TRY(fs::read_trimmed(parent + "/" + f));
        VS_TRY(fs::write(mine, from));
    }
    return ok();
}

/// Whether a v1 cpuset cgroup has its cpus and mems; false without the files (a fake tree, a
/// noprefix mount), where init_cpuset's walk decides.
Result<bool> cpuset_filled(const std::string& dir) {
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        std::string mine = dir + "/" + f;
        if (!sys::exists(mine) || VS_TRY(fs::read_trimmed(mine)).empty()) return false;
    }
    return true;
}

}  // namespace

Group::Group(Options opt, Layout layout, Hierarchies h, std::vector<std::string> parent_parts)
    : opt_(std::move(opt)),
      layout_(layout),
      h_(std::move(h)),
      parent_parts_(std::move(parent_parts)) {
    parent_parts_.push_back(opt_.name);  // parts of the leaf's path below a mount
}

std::string Group::leaf(const Hierarchy& h) const {
    return join_path(h.mount, parent_parts_, parent_parts_.size());
}

const Hierarchy* Group::v1_with(const std::string& controller) const {
    for (const auto& h : h_.v1)
        if (h.has(controller)) return &h;
    return nullptr;
}

Status Group::create_in(const Hierarchy& h, std::vector<std::string>& made) {
    bool cpuset = !h.v2 && h.has("cpuset");
    const size_t n = parent_parts_.size();
    // The parents are usually there already (they stay between guests and containers): the
    // leaf's mkdir alone then, without a mkdir and a stat of every level above it. A missing
    // parent (ENOENT), a leaf that exists, or a cpuset leaf the kernel left without cpus or
    // mems (its parent has no clone_children) take the walk from the top below.
    if (n > 1) {
        std::string dir = join_path(h.mount, parent_parts_, n);
        auto leaf = fs::make_dir(dir, false);
        if (!leaf && leaf.error().code != ENOENT)
            return std::move(std::move(leaf).wrap("create cgroup")).error();
        if (leaf && *leaf) {
            made.push_back(dir);
            if (!cpuset || VS_TRY(cpuset_filled(dir).wrap("create cgroup {}", dir))) return ok();
        }
    }
    for (size_t i = 1; i <= n; ++i) {
        std::string dir = join_path(h.mount, parent_parts_, i);
        std::string up = join_path(h.mount, parent_parts_, i - 1);
        bool created = VS_TRY(fs::make_dir(dir, i < parent_parts_.size()).wrap("create cgroup"));
        if (created) made.push_back(dir);
        if (cpuset) VS_TRY(init_cpuset(dir, up).wrap("create cgroup {}", dir));
        // A parent we made hands its cpus and mems to each new child itself (the flag is
        // this cgroup's own, read by cpuset_css_online). Writing them into the child instead
        // runs the kernel's checks against every sibling (validate_change) and rebuilds the
        // scheduler domains over every cpuset: a cost per guest that grows with the guests
        // already running. A parent made by someone else keeps its own setting.
        std::string clone = dir + "/cgroup.clone_children";
        if (cpuset && created && i < parent_parts_.size() && sys::exists(clone))
            VS_TRY(fs::write(clone, "1").wrap("create cgroup {}", dir));
    }
    return ok();
}

Status Group::enable_v2(const std::vector<std::string>& wanted) {
    if (!h_.v2) return ok();
    const Hierarchy& h = *h_.v2;
    std::vector<int> told;                               // errnos already warned about
    for (size_t i = 0; i < parent_parts_.size(); ++i) {  // mount .. leaf's parent
        std::string dir = join_path(h.mount, parent_parts_, i);
        auto offered = str::split_ws(VS_TRY(fs::read_trimmed(dir + "/cgroup.controllers")));
        auto enabled = str::split_ws(VS_TRY(fs::read_trimmed(dir + "/cgroup.subtree_control")));
        std::string add;
        for (const auto& c : wanted) {
            bool offer = std::find(offered.begin(), offered.end(), c) != offered.end();
            bool on = std::find(enabled.begin(), enabled.end(), c) != enabled.end();
            if (offer && !on) add += (add.empty() ? "+" : " +") + c;
        }
        if (add.empty()) continue;
        // Not fatal: a guest still runs without a controller (e.g. the level has processes
        // of its own, "no internal processes" rule); apply() then names the missing file.
        auto r = fs::write(dir + "/cgroup.subtree_control", add);
        if (r) continue;
        // A level an unprivileged caller may not write is expected above the subtree delegated
        // to it (cgroups(7) "Delegation"): what its owner enabled there is what the caller
        // gets. Other causes are told once each, not once per level.
        const int code = r.error().code;
        if (::geteuid() != 0 && (code == EACCES || code == EPERM || code == EROFS))
            log::debug("enable cgroup controllers: {}", r.error().what());
        else if (std::find(told.begin(), told.end(), code) == told.end()) {
            told.push_back(code);
            log::warn("enable cgroup controllers: {}", r.error().what());
        }
    }
    return ok();
}

Status Group::create() {
    std::vector<std::string> made;
    // Undo on failure so that a failed start leaves no half-made cgroup behind.
    auto undo = [&made] {
        for (auto it = made.rbegin(); it != made.rend(); ++it) (void)fs::remove_dir(*it);
    };
    for (const auto& h : h_.v1) {
        if (auto r = create_in(h, made); !r) {
            undo();
            return r;
        }
    }
    if (h_.v2) {
        // Parents first, with controllers enabled top-down, then the leaf inherits them.
        auto r = create_in(*h_.v2, made);
        if (r) r = enable_v2(kV2Default);
        if (!r) {
            undo();
            return r;
        }
    }
    return ok();
}

bool Group::exists() const {
    for (const auto& h : h_.v1)
        if (sys::is_dir(leaf(h))) return true;
    return h_.v2 && sys::is_dir(leaf(*h_.v2));
}

Status Group::add_pid(pid_t pid) {
    std::string text = std::to_string(pid);
    for (const auto& h : h_.v1)
        VS_TRY(fs::write(leaf(h) + "/cgroup.procs", text).wrap("add pid {} to cgroup", pid));
    if (h_.v2)
        VS_TRY(fs::write(leaf(*h_.v2) + "/cgroup.procs", text).wrap("add pid {} to cgroup", pid));
    return ok();
}

std::vector<std::string> Group::self_join_files() const {
    std::vector<std::string> files;
    for (const auto& h : h_.v1) {
        // `tasks` with pid 0 moves only the calling thread, which needs no threadgroup lock;
        // a fake tree without the file gets cgroup.procs (same result, just slower on a host).
        std::string tasks = leaf(h) + "/tasks";
        files.push_back(h.real || sys::exists(tasks) ? tasks : leaf(h) + "/cgroup.procs");
    }
    return files;
}

Result<std::vector<Manager::SelfJoin>> Group::open_self_join(bool unified) const {
    std::vector<SelfJoin> out;
    auto add = [&](const std::string& f) -> Status {
        auto fd = VS_TRY(sys::open(f, O_WRONLY | O_CLOEXEC)
                             .wrap("join cgroup \"{}\"", f.substr(0, f.rfind('/'))));
        out.push_back({f.substr(0, f.rfind('/')), std::move(fd)});
        return ok();
    };
    for (const auto& f : self_join_files()) VS_TRY(add(f));
    if (unified && h_.v2) VS_TRY(add(leaf(*h_.v2) + "/cgroup.procs"));
    return out;
}

Status Group::join_self(bool unified) { return write_self_join(VS_TRY(open_self_join(unified))); }

Result<std::vector<pid_t>> Group::pids() const {
    // One hierarchy suffices: every process is added to all of them. cgroup2 first (the guest
    // cannot leave its subtree there), else pids/freezer, else whatever v1 hierarchy exists.
    const Hierarchy* h = h_.v2 ? &*h_.v2 : v1_with("pids");
    if (!h) h = v1_with("freezer");
    if (!h && !h_.v1.empty()) h = &h_.v1.front();
    if (!h) return std::vector<pid_t>{};
    auto v = VS_TRY(fs::procs_tree(leaf(*h)).wrap("list guest processes"));
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

Result<std::vector<pid_t>> Group::all_pids() const {
    std::vector<pid_t> v;
    for (const auto& h : h_.v1) {
        auto more = VS_TRY(fs::procs_tree(leaf(h)).wrap("list guest processes"));
        v.insert(v.end(), more.begin(), more.end());
    }
    if (h_.v2) {
        auto more = VS_TRY(fs::procs_tree(leaf(*h_.v2)).wrap("list guest processes"));
        v.insert(v.end(), more.begin(), more.end());
    }
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

Result<bool> Group::empty() const {
    if (h_.v2) {
        std::string events = leaf(*h_.v2) + "/cgroup.events";
        if (sys::exists(events)) {
            // "populated" also counts tasks that are exiting and not yet listed (cgroup-v2.rst).
            auto pop = VS_TRY(fs::read_key(events, "populated"));
            if (pop && *pop != 0) return false;
        }
    }
    auto v = VS_TRY(all_pids());
    return v.empty();
}

std::vector<const Hierarchy*> Group::removal_order() const {
    // cgroup2 first: a guest cannot leave its subtree there, so a live task shows up in the
    // first rmdir, before any v1 leaf is gone.
    std::vector<const Hierarchy*> all;
    if (h_.v2) all.push_back(&*h_.v2);
    for (const auto& h : h_.v1) all.push_back(&h);
    return all;
}

void Group::remove_unused_parents() {
    // Only those we created (marker) and only when empty: other guests share them, and a
    // parent that predates us belongs to the host.
    for (const Hierarchy* h : removal_order()) {
        for (size_t n = parent_parts_.size() - 1; n >= 1; --n) {
            std::string dir = join_path(h->mount, parent_parts_, n);
            if (!sys::is_dir(dir) || !fs::has_marker(dir)) break;
            if (!sys::rmdir(dir)) break;  // EBUSY: another guest lives there
        }
    }
}

Result<bool> Group::destroy_if_empty() {
    auto all = removal_order();
    for (const Hierarchy* h : all) {
        auto r = fs::remove_tree(leaf(*h), false);
        if (!r && r.error().code == EBUSY) return false;
        VS_TRY(std::move(r).wrap("destroy cgroup"));
    }
    return true;
}

Status Group::destroy() {
    std::optional<Error> first;
    for (const Hierarchy* h : removal_order()) {
        auto r = fs::remove_tree(leaf(*h), true).wrap("destroy cgroup");
        if (!r && !first) first = std::move(r).error();
    }
    if (first) return std::move(*first);
    return ok();
}

std::string Group::unified_path() const { return h_.v2 ? leaf(*h_.v2) : std::string(); }

std::string Group::controller_path(const std::string& controller) const {
    if (const Hierarchy* h = v1_with(controller)) return leaf(*h);
    if (h_.v2 && h_.v2->has(controller)) return leaf(*h_.v2);
    return {};
}

}  // namespace vs::cgroup
