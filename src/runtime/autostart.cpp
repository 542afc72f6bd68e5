// The autostart run: the group read from the tree, the plan, and NUMPARALLEL child processes
// `vserver NAME start|stop` watched through pidfds.
#include "runtime/autostart.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <optional>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/tree.hpp"
#include "config/vserver/values.hpp"
#include "proc/pidfd.hpp"
#include "runtime/autostart_plan.hpp"
#include "runtime/runtime.hpp"

namespace vs::runtime {

namespace cv = config::vserver;
using Clock = std::chrono::steady_clock;

bool AutostartReport::all_ok() const {
    if (!cycles.empty()) return false;
    for (const auto& e : events)
        if (e.kind == AutostartEvent::Kind::Failed || e.kind == AutostartEvent::Kind::Skipped)
            return false;
    return true;
}

namespace {

// apps/init/mark read as the registry reads it (first line, trimmed), without loading the rest
// of the config: a guest that is not in the group is never judged by its other files.
std::optional<std::string> read_mark(const config::Paths& paths, const std::string& name) {
    auto t = cv::read_optional(paths.guest_config(name) + "/apps/init/mark", cv::FileKind::Scalar);
    if (!t || !*t) return std::nullopt;
    return cv::scalar(**t);
}

struct Child {
    std::string name;
    proc::PidFd pidfd;
    UniqueFd out;  ///< memfd holding the child's stdout and stderr
    Clock::time_point started;
};

// The last lines of what a failed command said: enough to know why without flooding the log.
std::string tail_lines(int fd, size_t max_lines) {
    if (::lseek(fd, 0, SEEK_SET) < 0) return {};
    auto all = sys::read_all(fd, "output");
    if (!all) return {};
    auto lines = str::lines(*all);
    std::vector<std::string> keep;
    for (auto& l : lines)
        if (!str::trim(l).empty()) keep.push_back(l);
    if (keep.size() > max_lines) keep.erase(keep.begin(), keep.end() - max_lines);
    return str::join(keep, "\n");
}

Result<Child> launch(const AutostartOptions& opt, const std::string& name) {
    int mfd = ::memfd_create(("vs-autostart-" + name).c_str(), MFD_CLOEXEC);
    if (mfd < 0) return errno_error("memfd_create");
    UniqueFd out(mfd);
    const char* verb = opt.stop ? "stop" : "start";
    std::vector<std::string> args = {"vserver", name, verb};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork");
    if (pid == 0) {
        // Only async-signal-safe calls until exec (fork(2) in a possibly threaded program).
        int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(mfd, 1) < 0 || ::dup2(mfd, 2) < 0)
            ::_exit(126);
        ::execv(opt.vserver_exe.c_str(), argv.data());
        ::_exit(127);
    }
    // Our own unreaped child: its pid cannot be reused before we wait for it.
    auto pfd = proc::PidFd::open(pid);
    if (!pfd) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return std::move(pfd).error();
    }
    return Child{name, std::move(*pfd), std::move(out), Clock::now()};
}

// util-vserver's guests with a legacy NAME.conf and no tree, which its script would have run:
// named in the report, never guessed at.
std::vector<std::string> legacy_guests(const config::Paths& paths) {
    std::vector<std::string> out;
    if (auto names = sys::list_dir(paths.config_dir)) {
        for (const auto& f : *names) {
            if (f.size() <= 5 || f.compare(f.size() - 5, 5, ".conf") != 0 || f[0] == '.') continue;
            std::string g = f.substr(0, f.size() - 5);
            if (!sys::is_dir(paths.guest_config(g))) out.push_back(g);
        }
    }
    return out;
}

// On start a dependency outside the group must be running already (on stop it is not ours):
// the guests of `group` that cannot start for that, with the reason.
std::map<std::string, std::string> blocked_outside(
    const config::Paths& paths, const std::string& mark, const std::vector<std::string>& marked,
    const std::vector<std::string>& group,
    const std::map<std::string, std::vector<std::string>>& depends) {
    std::map<std::string, std::string> blocked;
    for (const auto& g : group) {
        for (const auto& d : depends.at(g)) {
            if (std::find(marked.begin(), marked.end(), d) != marked.end()) {
                if (std::find(group.begin(), group.end(), d) == group.end())
                    blocked[g] = "depends on " + d + ", whose config does not load";
                continue;
            }
            // Only a guest that exists has a run state worth reading.
            if (auto e = guest_exists(paths, d); !e) {
                blocked[g] = fmt::format("depends on {}: {}", d, e.error().what());
                continue;
            }
            auto st = status(paths, d);
            if (!st || st->status != state::RunStatus::Running)
                blocked[g] =
                    "depends on " + d + ", which is not in group \"" + mark + "\" and not running";
        }
    }
    return blocked;
}

// The commands of one run: ready guests launched while there is room, finished ones reaped.
struct Runner {
    const config::Paths& paths;
    const AutostartOptions& opt;
    AutostartPlan& plan;
    const std::function<void(AutostartEvent)>& emit;
    std::vector<Child> running;

    void flush_skipped() {
        for (auto& s : plan.take_skipped())
            emit({s.name, AutostartEvent::Kind::Skipped, s.reason, 0});
    }

    /// Takes the guests the plan has ready, as many as may run; true when there were any.
    bool launch_ready() {
        size_t room = opt.parallel > running.size() ? opt.parallel - running.size() : 0;
        bool progressed = false;
        for (const auto& g : plan.take_ready(room)) {
            progressed = true;
            // A guest already in the wanted state costs no process.
            auto st = status(paths, g);
            if (st &&
                st->status == (opt.stop ? state::RunStatus::Stopped : state::RunStatus::Running)) {
                plan.finish(g, true);
                emit({g, AutostartEvent::Kind::Already,
                      opt.stop ? "not running" : "already running", 0});
                continue;
            }
            auto c = launch(opt, g);
            if (!c) {
                plan.finish(g, false);
                emit({g, AutostartEvent::Kind::Failed, c.error().what(), 0});
                continue;
            }
            running.push_back(std::move(*c));
        }
        return progressed;
    }

    /// Waits for at least one running command to end and reports each that did.
    Status reap() {
        std::vector<pollfd> fds;
        for (const auto& c : running) fds.push_back({c.pidfd.fd(), POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
            auto e = errno_error("poll the guests' pidfds");
            // The started commands run to their end and are reaped, never left behind.
            for (const auto& c : running) (void)c.pidfd.wait();
            return e;
        }
        for (size_t i = running.size(); i-- > 0;) {
            if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
            auto code = running[i].pidfd.wait();
            Child c = std::move(running[i]);
            running.erase(running.begin() + static_cast<long>(i));
            double secs = std::chrono::duration<double>(Clock::now() - c.started).count();
            bool ok = code && *code == 0;
            plan.finish(c.name, ok);
            if (ok) {
                emit({c.name, AutostartEvent::Kind::Done, "", secs});
            } else {
                std::string why = tail_lines(c.out.get(), 5);
                if (why.empty())
                    why = code ? fmt::format("`vserver {} {}` exited with {}", c.name,
                                             opt.stop ? "stop" : "start", *code)
                               : code.error().what();
                emit({c.name, AutostartEvent::Kind::Failed, why, secs});
            }
        }
        return ok();
    }
};

}  // namespace

Result<std::vector<std::string>> marked_guests(const config::Paths& paths,
                                               const std::string& mark) {
    auto all = VS_TRY(cv::list_guests(paths));
    std::vector<std::string> out;
    for (const auto& g : all)
        if (auto m = read_mark(paths, g); m && *m == mark) out.push_back(g);
    return out;
}

Result<AutostartReport> autostart(const config::Paths& paths, const AutostartOptions& opt,
                                  const std::function<void(const AutostartEvent&)>& on_event) {
    AutostartReport rep;
    rep.group = VS_TRY(marked_guests(paths, opt.mark));
    rep.legacy = legacy_guests(paths);
    const std::function<void(AutostartEvent)> emit = [&](AutostartEvent e) {
        if (on_event) on_event(e);
        rep.events.push_back(std::move(e));
    };

    std::map<std::string, std::vector<std::string>> depends;
    std::vector<std::string> group;
    for (const auto& g : rep.group) {
        auto loaded = cv::load(paths, g);
        if (!loaded) {
            emit({g, AutostartEvent::Kind::Failed, loaded.error().what(), 0});
            continue;
        }
        group.push_back(g);
        depends[g] = loaded->spec.init.depends;
    }
    std::map<std::string, std::string> blocked;
    if (!opt.stop) blocked = blocked_outside(paths, opt.mark, rep.group, group, depends);
    AutostartPlan plan(group, depends, blocked, opt.stop);
    rep.cycles = plan.cycles();

    Runner run{paths, opt, plan, emit, {}};
    run.flush_skipped();
    while (!plan.done()) {
        bool progressed = run.launch_ready();
        run.flush_skipped();
        if (run.running.empty()) {
            if (plan.done() || progressed) continue;
            // Every rule of the plan leaves a guest ready while none runs; never spin.
            return make_error(EDEADLK, "internal: autostart plan stalled");
        }
        VS_TRY(run.reap());
        run.flush_skipped();
    }
    return rep;
}

}  // namespace vs::runtime
