// FakeGuests: real cgroups under a random test parent holding processes this test forked, and
// a config dir with `context` files under a temp prefix; everything removed in the destructor.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "base/sys.hpp"
#include "config/paths.hpp"
#include "fs/remove.hpp"

namespace vs::testing {

class FakeGuests {
public:
    FakeGuests() {
        char tmpl[] = "/tmp/vs-fakeguests-XXXXXX";
        if (::mkdtemp(tmpl)) prefix_ = tmpl;
        std::random_device rd;
        paths_.config_dir = prefix_ + "/etc/vservers";
        paths_.run_dir = prefix_ + "/run/vservers";
        paths_.vdir_base = prefix_ + "/var/lib/vservers";
        paths_.cache_base = prefix_ + "/var/cache/vservers";
        paths_.cgroup_root = "/sys/fs/cgroup";
        paths_.cgroup_parent = fmt::format("vstest-{:08x}", rd());
    }
    ~FakeGuests() {
        for (pid_t p : pids_) ::kill(p, SIGKILL);
        for (pid_t p : pids_) ::waitpid(p, nullptr, 0);
        for (auto& h : hierarchies()) {
            std::string parent = paths_.cgroup_root + "/" + h + "/" + paths_.cgroup_parent;
            for (auto& g : guests_) (void)sys::remove_if_exists(parent + "/" + g);
            (void)sys::remove_if_exists(parent);
        }
        if (!prefix_.empty()) (void)fs::remove_path(prefix_);
    }

    /// v1 pids (where membership is read on hybrid and v1), cpuacct and memory (the cgroup
    /// accounting vtop and vserver-stat read) and the cgroup2 node when present.
    static std::vector<std::string> hierarchies() {
        std::vector<std::string> out;
        for (const char* h : {"pids", "cpuacct", "memory", "unified"})
            if (sys::is_dir(std::string("/sys/fs/cgroup/") + h)) out.push_back(h);
        return out;
    }
    static bool supported() { return ::geteuid() == 0 && sys::is_dir("/sys/fs/cgroup/pids"); }

    bool add_guest(const std::string& name, std::optional<uint32_t> xid) {
        for (auto& h : hierarchies())
            if (!sys::mkdir_p(paths_.cgroup_root + "/" + h + "/" + paths_.cgroup_parent + "/" +
                              name))
                return false;
        guests_.push_back(name);
        if (!sys::mkdir_p(paths_.guest_config(name))) return false;
        if (xid && !sys::write_file_atomic(paths_.guest_config(name) + "/context",
                                           fmt::format("{}\n", *xid)))
            return false;
        return true;
    }

    /// Forks a process that sleeps (or, with `busy`, spins) until killed; puts it in `guest`
    /// ("" = stay on the host).
    pid_t spawn(const std::string& guest = "", bool busy = false) {
        pid_t p = ::fork();
        if (p == 0) {
            if (busy) {
                volatile unsigned long spin = 0;
                for (;;) spin = spin + 1;  // a read and a write per round: never optimised away
            }
            for (;;) ::pause();
        }
        if (p < 0) return -1;
        pids_.push_back(p);
        if (!guest.empty() && !move(p, guest)) return -1;
        return p;
    }

    bool move(pid_t p, const std::string& guest) {
        for (auto& h : hierarchies()) {
            std::string f = paths_.cgroup_root + "/" + h + "/" + paths_.cgroup_parent + "/" +
                            guest + "/cgroup.procs";
            if (!sys::write_file(f, std::to_string(p))) return false;
        }
        return true;
    }

    /// True once `p` has exited (reaped here).
    bool dead(pid_t p) {
        for (int i = 0; i < 500; ++i) {
            int st = 0;
            pid_t r = ::waitpid(p, &st, WNOHANG);
            if (r == p) {
                std::erase(pids_, p);
                return true;
            }
            ::usleep(10000);
        }
        return false;
    }

    const config::Paths& paths() const { return paths_; }

private:
    std::string prefix_;
    config::Paths paths_;
    std::vector<std::string> guests_;
    std::vector<pid_t> pids_;
};

}  // namespace vs::testing
