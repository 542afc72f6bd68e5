// sweep_leftovers: dead build staging dirs and dead atomic-write temporaries of one guest.
#include "store/leftovers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/leftovers.hpp"
#include "fs/remove.hpp"
#include "fs/walk.hpp"
#include "store/guest_root.hpp"

namespace vs::store {

namespace {

// kill(pid, 0): ESRCH means no such process; EPERM means one exists (kill(2)).
bool pid_gone(std::string_view digits) {
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return false;
    auto pid = str::parse_u64(digits);
    if (!pid || *pid == 0 || *pid > 4194304) return false;  // PID_MAX_LIMIT
    return ::kill(static_cast<pid_t>(*pid), 0) < 0 && errno == ESRCH;
}

std::string parent_of(const std::string& p) {
    auto s = p.find_last_of('/');
    return s == 0 ? "/" : s == std::string::npos ? "." : p.substr(0, s);
}

// Unlinks the dead temporaries (write_file_atomic's, write_file_replace's) in a run dir, never
// following a link nor entering a mount.
class TmpSweeper : public fs::Visitor {
public:
    explicit TmpSweeper(const std::string& top) : top_(top) {}
    Result<fs::Action> visit(const fs::Entry& e) override {
        if (config::vserver::is_dead_in_flight(e.name)) {
            auto r = fs::remove_at(e.dirfd, e.name, top_ + "/" + e.path);
            if (r) log::debug("removed the leftover \"{}/{}\"", top_, e.path);
            return fs::Action::Skip;
        }
        return fs::Action::Descend;
    }
    Status mount_point(const fs::Entry&) override { return ok(); }

private:
    const std::string& top_;
};

void sweep_tmp(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    UniqueFd owned(fd);
    TmpSweeper s(dir);
    fs::WalkOptions opt;
    opt.max_depth = 8;  // run dirs are shallow
    if (auto r = fs::walk(fd, dir, s, opt); !r)
        log::debug("sweep \"{}\": {}", dir, r.error().what());
}

}  // namespace

bool is_dead_build_stage(const std::string& name, const std::string& guest) {
    std::string prefix = ".build-" + guest + "-";
    return str::starts_with(name, prefix) && pid_gone(std::string_view(name).substr(prefix.size()));
}

void sweep_leftovers(const config::Paths& paths, const std::string& name, const std::string& root) {
    auto warn = [](const Status& s) {
        if (!s) log::warn("removing a leftover: {}", s.error().what());
    };
    // Under the config base only config/'s writer writes: its own sweep.
    config::vserver::sweep_dead_in_flight(paths, name);
    std::set<std::string> roots = {paths.vdir_base};
    if (!root.empty() && root[0] == '/') roots.insert(parent_of(root));
    for (auto& dir : roots) {
        auto entries = sys::list_dir(dir);
        if (!entries) continue;
        for (auto& e : *entries)
            if (is_dead_build_stage(e, name))
                warn(remove_root(dir + "/" + e, RootMounts::DetachPseudo));
    }
    // A build killed between its two renames: the root is in place, still marked as being
    // built, and no config names it. With a config, the guest exists and only the mark goes.
    for (const auto& r : std::set<std::string>{paths.guest_root(name), root}) {
        if (r.empty() || !built_by_dead_process(r)) continue;
        if (sys::is_dir(paths.guest_config(name)))
            warn(clear_building(r));
        else
            warn(remove_root(r, RootMounts::DetachPseudo));
    }
    sweep_tmp(paths.guest_run(name));
}

}  // namespace vs::store
