// Sweeping the dead in-flight names of the config writer and of write_file_atomic.
#include "config/vserver/leftovers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/writer.hpp"
#include "fs/remove.hpp"
#include "fs/walk.hpp"

namespace vs::config::vserver {

namespace {

// kill(pid, 0): ESRCH means no such process; EPERM means one exists (kill(2)).
bool pid_gone(std::string_view digits) {
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return false;
    auto pid = str::parse_u64(digits);
    if (!pid || *pid == 0 || *pid > 4194304) return false;  // PID_MAX_LIMIT
    return ::kill(static_cast<pid_t>(*pid), 0) < 0 && errno == ESRCH;
}

// Unlinks the dead in-flight entries of a config tree, never following a link nor entering a
// mount.
class InFlightSweeper : public fs::Visitor {
public:
    explicit InFlightSweeper(const std::string& top) : top_(top) {}
    Result<fs::Action> visit(const fs::Entry& e) override {
        if (is_dead_in_flight(e.name)) {
            auto r = fs::remove_at(e.dirfd, e.name, top_ + "/" + e.path);
            if (r) log::debug("removed the leftover \"{}/{}\"", top_, e.path);
            return fs::Action::Skip;
        }
        // vdir and cache are links (not entered); a real directory there is a guest root or a
        // cache, which is not the config's to sweep.
        if (e.depth == 1 && (e.name == "vdir" || e.name == "cache")) return fs::Action::Skip;
        return fs::Action::Descend;
    }
    Status mount_point(const fs::Entry&) override { return ok(); }

private:
    const std::string& top_;
};

void sweep_tree(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    UniqueFd owned(fd);
    InFlightSweeper s(dir);
    fs::WalkOptions opt;
    opt.max_depth = 8;  // interfaces/N/..., apps/init/...: config trees are shallow
    if (auto r = fs::walk(fd, dir, s, opt); !r)
        log::debug("sweep \"{}\": {}", dir, r.error().what());
}

}  // namespace

bool is_dead_in_flight(const std::string& name) {
    if (!is_in_flight_name(name)) return false;
    // The pid follows the last ".tmp."; the writer's names add ".WHAT" after it.
    auto at = name.rfind(".tmp.");
    if (name.size() < 2 || at == 0) return false;
    std::string_view rest = std::string_view(name).substr(at + 5);
    auto dot = rest.find('.');
    if (dot != std::string_view::npos && dot + 1 >= rest.size()) return false;
    return pid_gone(rest.substr(0, dot));
}

void sweep_dead_in_flight(const Paths& paths, const std::string& name) {
    if (auto entries = sys::list_dir(paths.config_dir)) {
        for (auto& e : *entries)
            if (str::starts_with(e, "." + name + ".tmp.") && is_dead_in_flight(e))
                if (auto r = fs::remove_path(paths.config_dir + "/" + e); !r)
                    log::warn("removing a leftover: {}", r.error().what());
    }
    sweep_tree(paths.guest_config(name));
    sweep_tree(paths.config_dir + "/.defaults");
}

}  // namespace vs::config::vserver
