// start, state, kill, delete, pause, resume, ps and list of OCI containers.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/manager.hpp"
#include "ns/join.hpp"
#include "proc/pidfd.hpp"
#include "proc/proc_info.hpp"
#include "runtime/oci/create_steps.hpp"
#include "runtime/oci/devices.hpp"
#include "runtime/oci/hooks.hpp"
#include "runtime/oci/oci.hpp"
#include "runtime/oci/socket_guard.hpp"

namespace vs::runtime::oci {

namespace {

/// The container's cgroup; null for a rootless container that has none (create.cpp).
Result<std::unique_ptr<cgroup::Manager>> open_cgroup(const Record& r) {
    if (r.cgroup_name.empty()) return std::unique_ptr<cgroup::Manager>();
    cgroup::Options o;
    o.parent = r.cgroup_parent;
    o.name = r.cgroup_name;
    return cgroup::open(o);
}

/// A container without a cgroup: the processes of its own pid namespace, else its init.
Result<std::vector<pid_t>> uncgrouped_pids(const Record& r) {
    if (r.pid <= 0 || !proc::is_alive(r.pid, r.start_time)) return std::vector<pid_t>{};
    auto own = ns::differing_namespaces(r.pid, CLONE_NEWPID);
    if (own && *own) return proc::pid_namespace_members(r.pid);
    return std::vector<pid_t>{r.pid};
}

/// The init as a pidfd, if it is still the process the record names.
std::optional<proc::PidFd> init_pidfd(const Record& r) {
    if (r.pid <= 0) return std::nullopt;
    auto fd = proc::PidFd::open(r.pid);
    if (!fd) return std::nullopt;
    auto st = proc::start_time(r.pid);
    if (!st || *st != r.start_time) return std::nullopt;
    return std::move(*fd);
}

struct Locked {
    state::GuestLock lock;
    std::string dir;
    Record rec;
};

/// Locks `id` and loads its record; "container \"ID\" does not exist" (ENOENT) when it has
/// none, leaving no dir behind.
Result<Locked> open_locked(const Options& opt, const std::string& id) {
    VS_TRY(check_id(id));
    std::string dir = container_dir(opt, id);
    if (!sys::is_dir(dir)) return make_error(ENOENT, "container \"{}\" does not exist", id);
    auto lk = VS_TRY(lock(dir));
    auto rec = load(dir, id);
    if (!rec) {
        // A dir without a record: a create that is gone; nothing else may be in it.
        if (rec.error().code == ENOENT) remove_dir(dir);
        return std::move(rec).error();
    }
    return Locked{std::move(lk), dir, std::move(*rec)};
}

/// What vs-init wrote on the start FIFO before it exited: "" when it exec'd the process (its
/// end closed on exec without a word), else the startContainer hook or exec that failed.
Result<std::string> read_start_report(int fd) {
    std::string text;
    for (;;) {
        struct pollfd p {
            fd, POLLIN, 0
        };
        if (::poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue;
            return errno_error("poll the start fifo");
        }
        char buf[1024];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return errno_error("read the start fifo");
        if (n == 0) return text;
        text.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace

Status start(const Options& opt, const std::string& id) {
    auto c = VS_TRY(open_locked(opt, id));
    State s = state_of(c.rec, c.dir);
    if (s != State::Created)
        return make_error(EINVAL, "cannot start a container that is {}: {}", state_name(s), id);
    std::string path = fifo_path(c.dir);
    // With startContainer hooks, vs-init reports on the start FIFO: opened (for reading) before
    // the byte goes out, since its content is gone once vs-init, its only other holder, exits.
    UniqueFd report;
    if (c.rec.start_hooks)
        report = VS_TRY(sys::open(start_fifo_path(c.dir), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    // Non-blocking: ENXIO instead of a hang when no init holds the read end.
    int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENXIO)
        return make_error(ESRCH, "cannot start container {}: its init is gone", id);
    if (fd < 0) return errno_error(fmt::format("open \"{}\"", path));
    UniqueFd f(fd);
    if (::write(fd, "0", 1) != 1) return errno_error(fmt::format("write \"{}\"", path));
    f.reset();
    ::unlink(path.c_str());
    c.rec.started = true;
    VS_TRY(save(c.dir, c.rec));
    if (report) {
        ::unlink(start_fifo_path(c.dir).c_str());
        // The hooks may take their time: kill, state and delete are not held up meanwhile.
        c.lock.release();
        auto failure = VS_TRY(read_start_report(report.get()));
        if (!failure.empty())
            return make_error(ECANCELED, "cannot start container {}: {}", id, failure);
    }
    // The spec: a failing poststart hook is a warning; the container runs.
    if (auto r = run_hooks(hooks_from_json(c.rec.poststart), "poststart",
                           state_json(c.rec, State::Running, false));
        !r)
        log::warn("container {}: {}", id, r.error().what());
    return ok();
}

Result<std::string> state(const Options& opt, const std::string& id) {
    VS_TRY(check_id(id));
    std::string dir = container_dir(opt, id);
    auto rec = VS_TRY(load(dir, id));
    State s = state_of(rec, dir);
    // Engines ask the state of a container whose process exited: where vsrun learns it stopped
    // (it keeps no process beside the container), and where its guard leaves a shared node.
    if (s == State::Stopped && rec.socket_guard_id != 0) {
        auto r = [&]() -> Status {
            auto cg = VS_TRY(open_cgroup(rec));
            return cg ? settle_socket_guards(cg->unified_path()) : ok();
        }();
        if (!r) log::debug("container {}: socket guards of its cgroup: {}", id, r.error().what());
    }
    return state_json(rec, s, true);
}

Result<int> parse_signal(const std::string& text) {
    std::string t = text;
    if (auto n = str::parse_u64(t)) {
        if (*n >= 1 && *n <= 64) return static_cast<int>(*n);
        return make_error(EINVAL, "invalid signal \"{}\"", text);
    }
    for (auto& c : t) c = static_cast<char>(::toupper(static_cast<unsigned char>(c)));
    if (str::starts_with(t, "SIG")) t = t.substr(3);
    for (int s = 1; s < 32; ++s)
        if (const char* a = sigabbrev_np(s); a && t == a) return s;
    if (t == "RTMIN") return SIGRTMIN;
    if (t == "RTMAX") return SIGRTMAX;
    if (str::starts_with(t, "RTMIN+"))
        if (auto n = str::parse_u64(t.substr(6)); n && SIGRTMIN + static_cast<int>(*n) <= SIGRTMAX)
            return SIGRTMIN + static_cast<int>(*n);
    if (str::starts_with(t, "RTMAX-"))
        if (auto n = str::parse_u64(t.substr(6)); n && SIGRTMAX - static_cast<int>(*n) >= SIGRTMIN)
            return SIGRTMAX - static_cast<int>(*n);
    return make_error(EINVAL, "invalid signal \"{}\"", text);
}

Status kill(const Options& opt, const std::string& id, int sig, bool all) {
    auto c = VS_TRY(open_locked(opt, id));
    State s = state_of(c.rec, c.dir);
    if (all) {
        // Every process of the cgroup, also after the init is gone (runc: kill --all of a
        // stopped container reaches what the init left behind).
        auto cg = VS_TRY(open_cgroup(c.rec));
        if (!cg) {
            // Its pid namespace dies with its init on SIGKILL (pid_namespaces(7)).
            for (pid_t pid : VS_TRY(uncgrouped_pids(c.rec)))
                if (pid != c.rec.pid) (void)::kill(pid, sig);
        } else if (cg->exists()) {
            // A frozen task takes no signal until thawed: SIGKILL must end a paused container.
            if (sig == SIGKILL) return cg->kill_all();
            VS_TRY(cg->signal_all(sig));
        }
        if (auto p = init_pidfd(c.rec)) VS_TRY(p->send_signal(sig));
        return ok();
    }
    if (s == State::Stopped) return make_error(ESRCH, "container not running: {}", id);
    auto p = init_pidfd(c.rec);
    if (!p) return make_error(ESRCH, "container not running: {}", id);
    VS_TRY(p->send_signal(sig).wrap("kill container {}", id));
    if (sig == SIGKILL && s == State::Paused)
        if (auto cg = open_cgroup(c.rec); cg && *cg) (void)cgroup::thaw_all(**cg);
    return ok();
}

Status remove(const Options& opt, const std::string& id, bool force) {
    auto opened = open_locked(opt, id);
    if (!opened) {
        if (force && opened.error().code == ENOENT) return ok();
        return std::move(opened).error();
    }
    auto& c = *opened;
    State s = state_of(c.rec, c.dir);
    if ((s == State::Running || s == State::Paused) && !force)
        return make_error(EBUSY, "cannot delete container {} that is not stopped: {}", id,
                          state_name(s));
    auto cg = VS_TRY(open_cgroup(c.rec));
    if (auto p = init_pidfd(c.rec); p && s != State::Stopped) {
        (void)p->send_signal(SIGKILL);
        if (cg) (void)cgroup::thaw_all(*cg);
        // Its parent (the shim) reaps it; we only wait for it to have exited.
        (void)p->wait_exit(10000);
    }
    // The parents of the container's cgroup stay, as runc and crun leave them: the engine's
    // other containers share them (containerd's /default, podman's --cgroup-parent), and one
    // removed here could vanish under a concurrent create between its mkdir of the parent and
    // of its leaf; keeping them also spares every run a mkdir and an rmdir per hierarchy and
    // level. Only a failed create removes the parents it made (create.cpp).
    if (cg && c.rec.cgroup_created && cg->exists()) {
        // A stopped container's init is gone, and with it every process of its pid namespace
        // (pid_namespaces(7)), so one rmdir per hierarchy usually ends it without reading every
        // hierarchy's process list. The kernel refuses the rmdir of a cgroup with a task left
        // (no pid namespace of its own, a process moved in): the thorough kill runs then.
        bool gone =
            s == State::Stopped && VS_TRY(cg->destroy_if_empty().wrap("delete container {}", id));
        if (!gone) {
            VS_TRY(cg->kill_all().wrap("delete container {}", id));
            VS_TRY(cg->destroy().wrap("delete container {}", id));
        }
    } else if (cg && cg->exists()) {
        // The cgroup stays, and the next container there must not inherit our guard.
        VS_TRY(drop_socket_guard(c.rec, cg->unified_path()).wrap("delete container {}", id));
    }
    remove_dir(c.dir);
    if (auto r = run_hooks(hooks_from_json(c.rec.poststop), "poststop",
                           state_json(c.rec, State::Stopped, false));
        !r)
        log::warn("container {}: {}", id, r.error().what());
    return ok();
}

Status pause(const Options& opt, const std::string& id) {
    auto c = VS_TRY(open_locked(opt, id));
    State s = state_of(c.rec, c.dir);
    if (s != State::Running && s != State::Created)
        return make_error(EINVAL, "container not running: {}", id);
    auto cg = VS_TRY(open_cgroup(c.rec));
    if (!cg) return no_cgroup("pause", id);
    return cg->freeze(true).wrap("pause container {}", id);
}

Status resume(const Options& opt, const std::string& id) {
    auto c = VS_TRY(open_locked(opt, id));
    if (state_of(c.rec, c.dir) != State::Paused)
        return make_error(EINVAL, "container not paused: {}", id);
    auto cg = VS_TRY(open_cgroup(c.rec));
    if (!cg) return no_cgroup("resume", id);
    return cg->freeze(false).wrap("resume container {}", id);
}

Status update(const Options& opt, const std::string& id, const spec::Resources& res,
              const std::optional<std::vector<spec::oci::DeviceRule>>& devices) {
    auto c = VS_TRY(open_locked(opt, id));
    if (state_of(c.rec, c.dir) == State::Stopped)
        return make_error(EINVAL, "container not running: {}", id);
    auto cg = VS_TRY(open_cgroup(c.rec));
    if (!cg) return no_cgroup("update", id);
    VS_TRY(cg->apply(res).wrap("update container {}", id));
    if (!devices) return ok();
    std::vector<cgroup::DeviceRule> nodes;
    for (const auto& t : c.rec.device_nodes)
        nodes.push_back(VS_TRY(cgroup::parse_v1_device_line(t).wrap("{}/state.json", c.dir)));
    auto st = device_state(*devices, nodes);
    // Where create put them (create.cpp, apply_devices): the v1 controller, else the cgroup2
    // program. A program of ours found beside v1 rules anyway is replaced as well: the kernel
    // asks both, so left alone it would keep refusing what the update allows.
    std::string v1 = cg->controller_path("devices"), v2 = cg->unified_path();
    if (!v1.empty()) VS_TRY(cgroup::apply_v1_devices(v1, st).wrap("update container {}", id));
    bool program = !v2.empty() && v1.empty();
    if (!v2.empty() && !v1.empty())
        program = !VS_TRY(cgroup::device_program_ids(v2).wrap("update container {}", id)).empty();
    if (program) VS_TRY(cgroup::attach_device_program(v2, st).wrap("update container {}", id));
    return ok();
}

Result<std::string> stats_event(const Options& opt, const std::string& id) {
    VS_TRY(check_id(id));
    std::string dir = container_dir(opt, id);
    auto rec = VS_TRY(load(dir, id));
    if (state_of(rec, dir) == State::Stopped)
        return make_error(EINVAL, "container not running: {}", id);
    auto cg = VS_TRY(open_cgroup(rec));
    if (!cg) return no_cgroup("stats of", id);
    auto st = VS_TRY(cg->stats().wrap("stats of container {}", id));
    nlohmann::json pids = {{"current", st.pids_current}};
    if (st.pids_max) pids["limit"] = *st.pids_max;
    nlohmann::json j = {
        {"type", "stats"},
        {"id", id},
        {"data",
         {{"cpu",
           {{"usage",
             {{"total", (st.cpu_user_us + st.cpu_system_us) * 1000},
              {"user", st.cpu_user_us * 1000},
              {"kernel", st.cpu_system_us * 1000}}}}},
          {"memory",
           {{"usage", {{"usage", st.memory_current}, {"max", st.memory_peak}}},
            {"raw", {{"oom_kill", st.oom_kills}}}}},
          {"pids", pids}}},
    };
    return j.dump();
}

Result<std::vector<pid_t>> pids(const Options& opt, const std::string& id) {
    VS_TRY(check_id(id));
    std::string dir = container_dir(opt, id);
    auto rec = VS_TRY(load(dir, id));
    auto cg = VS_TRY(open_cgroup(rec));
    if (!cg) return uncgrouped_pids(rec);
    if (!cg->exists()) return std::vector<pid_t>{};
    return cg->pids();
}

Result<std::vector<ListEntry>> list(const Options& opt) {
    std::vector<ListEntry> out;
    if (!sys::is_dir(opt.root)) return out;
    auto names = VS_TRY(sys::list_dir(opt.root));
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        if (!check_id(n)) continue;
        std::string dir = container_dir(opt, n);
        auto rec = load(dir, n);
        if (!rec) {
            if (rec.error().code != ENOENT) log::warn("{}", rec.error().what());
            continue;
        }
        State s = state_of(*rec, dir);
        out.push_back({std::move(*rec), s});
    }
    return out;
}

Result<int> run(const Options& opt, const std::string& id, const CreateOptions& co, bool detach,
                bool keep) {
    // Signals for the container arrive while it runs (runc forwards them): blocked from before
    // the create, so none is lost between its start and our signalfd.
    sigset_t fwd, old;
    ::sigfillset(&fwd);
    for (int s : {SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGKILL, SIGSTOP}) ::sigdelset(&fwd, s);
    if (!detach) ::sigprocmask(SIG_BLOCK, &fwd, &old);
    struct Restore {
        bool on;
        sigset_t mask;
        ~Restore() {
            if (on) ::sigprocmask(SIG_SETMASK, &mask, nullptr);
        }
    } restore{!detach, old};
    // Created and started under one lock, without start's second load and save of the record.
    Record rec = VS_TRY(create_record(opt, id, co, true));
    // Opened right away: we are its parent, so the pid cannot be reused before we reap it.
    auto pidfd = proc::PidFd::open(rec.pid);
    if (!rec.started) {
        if (auto r = start(opt, id); !r) {
            (void)remove(opt, id, true);
            return std::move(r).error();
        }
    } else if (auto r = run_hooks(hooks_from_json(rec.poststart), "poststart",
                                  state_json(rec, State::Running, false));
               !r) {
        // As in start: a failing poststart hook is a warning; the container runs.
        log::warn("container {}: {}", id, r.error().what());
    }
    if (detach) return 0;
    if (!pidfd) return std::move(pidfd).error();
    int sfd = ::signalfd(-1, &fwd, SFD_CLOEXEC);
    UniqueFd sigfd(sfd);
    while (sigfd) {
        struct pollfd p[2] = {{pidfd->fd(), POLLIN, 0}, {sigfd.get(), POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[0].revents) break;
        struct signalfd_siginfo si {};
        if (::read(sigfd.get(), &si, sizeof si) == sizeof si)
            (void)pidfd->send_signal(static_cast<int>(si.ssi_signo));
    }
    auto status = pidfd->wait();
    // --keep: the stopped container stays (state, its cgroup) until `delete`, as with runc.
    if (keep) return status;
    if (auto r = remove(opt, id, true); !r) log::warn("{}", r.error().what());
    return status;
}

}  // namespace vs::runtime::oci
