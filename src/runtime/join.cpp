// Running a process in a running guest: its state and user, vs-init --join started into its
// cgroups with the plan (join_plan.cpp), and the command waited for, within its bound.
#include "runtime/join.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "cgroup/join_leaf.hpp"
#include "fs/resolve.hpp"
#include "ns/join.hpp"
#include "proc/init_protocol.hpp"
#include "proc/pidfd.hpp"
#include "proc/proc_info.hpp"
#include "proc/pty.hpp"
#include "proc/sealed_exec.hpp"
#include "proc/spawn_exec.hpp"
#include "proc/sync_channel.hpp"
#include "runtime/confine.hpp"
#include "runtime/init_command.hpp"
#include "runtime/join_plan.hpp"
#include "runtime/rlimits.hpp"

namespace vs::runtime {

Result<state::GuestState> running_state(const config::Paths& paths, const std::string& name) {
    auto st = VS_TRY(state::load(paths.guest_run(name)));
    if (!st || st->phase != state::Phase::Running || st->init_pid <= 0)
        return make_error(0, "guest \"{}\" is not running", name);
    if (!proc::is_alive(st->init_pid, st->init_start_time))
        return make_error(0, "guest \"{}\" is not running", name);
    return *st;
}

Status resolve_user(const std::string& root, const std::string& user, JoinRequest& req) {
    if (user.empty() || user == "root" || user == "0") return ok();
    auto rootfd = VS_TRY(sys::open(root, O_PATH | O_DIRECTORY));
    // The guest's own file: a FIFO there must not hang the host, a device not be opened.
    auto fd = fs::open_regular_in_root(rootfd.get(), "etc/passwd");
    std::string text = fd ? sys::read_all(fd->get(), "/etc/passwd").value_or("") : "";
    for (auto& line : str::split(text, '\n')) {
        auto f = str::split(line, ':', false);
        if (f.size() < 7) continue;
        if (f[0] == user || f[2] == user) {
            auto uid = str::parse_u64(f[2]);
            auto gid = str::parse_u64(f[3]);
            if (!uid || !gid) break;
            req.uid = static_cast<uid_t>(*uid);
            req.gid = static_cast<gid_t>(*gid);
            req.home = f[5];
            req.user = f[0];
            req.groups = {req.gid};
            return ok();
        }
    }
    if (auto n = str::parse_u64(user); n && *n < 0xFFFFFFFFull) {
        req.uid = static_cast<uid_t>(*n);
        req.gid = static_cast<gid_t>(*n);
        req.groups = {req.gid};
        req.user = user;
        // Cleared then appended, not `= "/"`: GCC 12 at -O3 inlines that assignment into a
        // memcpy it cannot bound and warns -Wrestrict (GCC bug 105651).
        req.home.clear();
        req.home += '/';
        return ok();
    }
    return make_error(ENOENT, "user \"{}\" does not exist in the guest's /etc/passwd", user);
}

namespace {

std::vector<std::string> environment(const JoinProfile& profile, const JoinRequest& req) {
    if (req.env) return *req.env;
    std::vector<std::string> env = profile.env;
    env.push_back("HOME=" + req.home);
    env.push_back("USER=" + req.user);
    env.push_back("LOGNAME=" + req.user);
    if (req.tty) {
        const char* term = std::getenv("TERM");
        env.push_back(std::string("TERM=") + (term ? term : "linux"));
    }
    return env;
}

// True when `pidfd` is a child of ours (waitid refuses others with ECHILD); WNOWAIT leaves it.
bool is_our_child(int pidfd) {
    siginfo_t si{};
    return ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &si,
                    WEXITED | WNOHANG | WNOWAIT) == 0;
}

}  // namespace

Result<int> run_in_guest(const spec::GuestSpec& spec, const state::GuestState& st,
                         cgroup::Manager& cg, const JoinRequest& req) {
    // The profile start saved, as exec uses: the command runs with what the guest started with,
    // and the rlimits, seccomp cache lookup and namespace checks are not redone per command.
    auto paths = config::Paths::from_env();
    if (auto saved = load_join_profile(paths.guest_run(spec.name), st))
        return run_in_guest(*saved, st, req);
    auto profile = VS_TRY(make_join_profile(paths, spec, cg, st.init_pid));
    return run_in_guest(profile, st, req);
}

// Why the joining process is a sealed vs-init and not a fork of us (CVE-2019-5736,
// CVE-2016-9962): a fork of `vserver` is a copy of the host's binary, with /proc/PID/exe naming
// it. If the guest could see such a process, guest root (which holds CAP_SYS_PTRACE by default,
// and without a user namespace that capability counts against host-owned processes too, so
// PR_SET_DUMPABLE 0 does not stop it) could open /proc/PID/exe and, once we exit, write the host
// binary, or grab its host fds. So we vfork + execveat a sealed memfd copy of the static,
// libc-free vs-init (`vs-init --join`, tools/vs-init/join.cpp) with only the init's pidfd, root
// fd, the sync channel and a memfd for its result. It stays in the host's pid namespace (the
// guest cannot name it), reads the plan we send (proc/init_protocol.hpp: namespaces, rlimits,
// the compiled seccomp program, capability sets, ids, cwd, pty), applies it, closes every fd
// but 0-2 and forks the command's process, which is born in the guest's pid namespace running
// that sealed memfd until its execve (write-open fails: ETXTBSY while it runs, the write seal
// after) and holding nothing of the host (tools/vs-init/spawn.cpp). Doing the steps in vs-init
// rather than in a fork of us also skips copying our large address space (bench/README.md,
// exec).
Result<int> run_in_guest(const JoinProfile& profile, const state::GuestState& st,
                         const JoinRequest& req) {
    const std::string& name = profile.name;
    auto pidfd = VS_TRY(proc::PidFd::open(st.init_pid));
    // Opened first, checked second: if the start time still matches, the pidfd is the init.
    if (!proc::is_alive(st.init_pid, st.init_start_time))
        return make_error(0, "guest \"{}\" is not running", name);
    auto root = VS_TRY(sys::open(fmt::format("/proc/{}/root", st.init_pid), O_PATH | O_DIRECTORY));
    // A pid is reused only once its process is gone: the init still alive after the open
    // proves /proc/PID/root was the init's and not a newcomer's under the same pid.
    if (!pidfd.alive()) return make_error(0, "guest \"{}\" is not running", name);
    auto env = environment(profile, req);
    auto helper_file = VS_TRY(helper_path());
    auto helper = VS_TRY(proc::sealed_copy(helper_file));
    auto result = VS_TRY(make_result_memfd());
    auto plan = VS_TRY(make_plan(profile, req, pidfd.fd(), root.get(), result.get()));
    proc::SyncChannel channel;
    proc::PidFd joiner;
    bool in_cgroup2 = false;
    std::vector<std::string> argv = {"vs-init", "--join", "", "--"};
    argv.insert(argv.end(), req.argv.begin(), req.argv.end());
    // Into the guest's cgroups before vs-init runs: cgroup2 at birth (CLONE_INTO_CGROUP), v1 by
    // the child itself writing "0" to each `tasks` file (a single thread moving itself skips the
    // kernel's global threadgroup lock and its RCU grace period, milliseconds per exec, that a
    // cgroup.procs write from here costs). If cgroup2 did not take it, we move it after.
    UniqueFd cg2;
    std::string cg2_path = profile.cgroup2;
    if (profile.cgroup2_leaf) {
        cg2 = VS_TRY(
            cgroup::open_join_leaf(profile.cgroup2).wrap("join the cgroup of guest \"{}\"", name));
        cg2_path += std::string("/") + cgroup::kJoinLeaf;
    } else if (!profile.cgroup2.empty()) {
        if (auto fd = sys::open(profile.cgroup2, O_PATH | O_DIRECTORY); fd) cg2 = std::move(*fd);
    }
    proc::ExecSpawnOptions so;
    so.cgroup2_fd = cg2.get();
    so.ctx = const_cast<std::vector<std::string>*>(&profile.cgroup_self_join);
    so.before_exec = [](void* ctx) -> int {
        // The vfork child, on our memory: plain system calls only, no allocation.
        for (const auto& f : *static_cast<const std::vector<std::string>*>(ctx)) {
            int fd = ::open(f.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0) return errno;
            bool written = ::write(fd, "0", 1) == 1;
            int err = errno;
            ::close(fd);
            if (!written) return err ? err : EIO;
        }
        return 0;
    };
    bool early = cg2.valid();
    for (;;) {
        auto [parent_end, child_end] = VS_TRY(proc::SyncChannel::make_pair());
        argv[2] = std::to_string(child_end.fd());
        if (early) VS_TRY(parent_end.send_payload(proc::SyncMsg::Plan, plan));
        bool refused = false;
        so.cgroup2_refused = early ? &refused : nullptr;
        std::vector<int> keep = {child_end.fd(), pidfd.fd(), root.get(), result.get()};
        for (int fd = 3; fd < 3 + req.preserve_fds; ++fd) keep.push_back(fd);
        auto spawned = proc::spawn_exec_fd(helper.get(), argv, env, keep, so);
        if (!spawned && refused) {
            early = false;
            continue;
        }
        if (!spawned)
            return std::move(spawned.error().wrap("join the guest's cgroups and start vs-init"));
        channel = std::move(parent_end);
        joiner = std::move(spawned->pidfd);
        in_cgroup2 = spawned->in_cgroup2;
        break;
    }
    struct Child {
        proc::PidFd pidfd;
        proc::SyncChannel channel;
    } child{std::move(joiner), std::move(channel)};
    if (!in_cgroup2 && cg2)
        VS_TRY(sys::write_file(cg2_path + "/cgroup.procs", std::to_string(child.pidfd.pid()))
                   .wrap("move the process into the guest's cgroup"));
    if (!early) VS_TRY(child.channel.send_payload(proc::SyncMsg::Plan, plan));

    // On the channel vs-init sends [Fd] or Error (then it exits); it closes the channel before it
    // starts the command. The command's pid and a failure after that come in the result memfd
    // once vs-init is gone. Nothing else is expected here, and the pid must be an unreaped child
    // of ours other than vs-init.
    UniqueFd master;
    std::optional<Error> failed;
    for (;;) {
        auto m = VS_TRY(child.channel.recv());
        if (m.eof) break;
        if (m.type == proc::SyncMsg::Error && !failed) {
            failed = std::move(m.error);
        } else if (m.type == proc::SyncMsg::Fd && req.tty && !master && !failed) {
            master = std::move(m.fd);
        } else {
            return make_error(EPROTO,
                              "run in guest \"{}\": unexpected message {} on the sync channel",
                              name, static_cast<uint32_t>(m.type));
        }
    }
    child.channel.close();
    // req.timeout_s bounds the command from here, its start included: vs-init waits for the
    // command's execve (CLONE_VFORK), and the guest can hold that process stopped before it
    // (SIGSTOP, which any guest root may send its own processes; the battery's stop-watch).
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::seconds(req.timeout_s);
    auto left_ms = [&] {
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        return static_cast<int>(std::max<decltype(ms)>(ms, 0));
    };
    auto timed_out = [&] {
        return make_error(ETIMEDOUT, "\"{}\" in guest \"{}\" did not finish within {} s",
                          req.argv[0], name, req.timeout_s);
    };
    if (req.timeout_s > 0 && !child.pidfd.wait_exit(left_ms())) {
        // Held: the command's pid is in the result memfd since its clone (CLONE_PARENT_SETTID).
        // It is killed as a command past its bound is, and reaped (it is our child); then
        // vs-init, released by that death or stuck before the clone.
        auto res = read_result(result.get());
        if (res && res->pid > 0 && res->pid != child.pidfd.pid()) {
            auto p = proc::PidFd::open(res->pid);
            if (p && is_our_child(p->fd())) {
                (void)p->send_signal(SIGKILL);
                (void)p->wait();
            }
        }
        (void)child.pidfd.send_signal(SIGKILL);
        (void)child.pidfd.wait();
        return timed_out();
    }
    (void)child.pidfd.wait();
    if (failed) return std::move(failed->wrap(fmt::format("run in guest \"{}\"", name)));
    auto res = VS_TRY(read_result(result.get()));
    proc::PidFd cmd;
    if (res.pid > 0 && res.pid != child.pidfd.pid()) {
        auto p = VS_TRY(proc::PidFd::open(res.pid));
        if (!is_our_child(p.fd()))
            return make_error(EPROTO, "run in guest \"{}\": reported pid {} is not our child", name,
                              res.pid);
        cmd = std::move(p);
    }
    if (res.err != 0) {
        Error e(res.err, res.what);
        e.wrap(fmt::format("run in guest \"{}\"", name));
        if (!cmd.valid()) return e;
        int code = VS_TRY(cmd.wait());
        return Error(e.code, e.message + fmt::format(" (exit status {})", code));
    }
    if (!cmd.valid())
        return make_error(ECHILD, "the process joining guest \"{}\" exited early", name);
    if (master && req.console_socket >= 0) {
        VS_TRY(proc::send_pty_master(req.console_socket, master.get()));
        master.reset();
    }
    if (req.detach) return static_cast<int>(cmd.pid());
    if (master) return proc::proxy(master.get(), cmd);
    if (req.timeout_s > 0 && !cmd.wait_exit(left_ms())) {
        (void)cmd.send_signal(SIGKILL);
        (void)cmd.wait();
        return timed_out();
    }
    return cmd.wait();
}

Status run_guest_command(const spec::GuestSpec& spec, const state::GuestState& st,
                         cgroup::Manager& cg, const std::vector<std::string>& argv,
                         const std::string& what) {
    if (argv.empty()) return ok();
    JoinRequest req;
    req.argv = argv;
    req.timeout_s = spec.init.timeout_s;
    auto r = run_in_guest(spec, st, cg, req);
    if (!r && r.error().code == ETIMEDOUT)
        return make_error(ETIMEDOUT,
                          "guest \"{}\": {} \"{}\" did not finish within {} s (apps/init/timeout) "
                          "and was killed",
                          spec.name, what, str::join(argv, " "), spec.init.timeout_s);
    if (!r)
        log::warn("guest \"{}\": {}: {}", spec.name, what, r.error().what());
    else if (*r != 0)
        log::warn("guest \"{}\": {} \"{}\" exited with status {}", spec.name, what, argv[0], *r);
    return ok();
}

}  // namespace vs::runtime
