// The joining child.
#include "base/try_wrap.hpp"
#include "runtime/join.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "ns/join.hpp"
#include "proc/fds.hpp"
#include "proc/pidfd.hpp"
#include "proc/proc_info.hpp"
#include "proc/pty.hpp"
#include "proc/sealed_exec.hpp"
#include "proc/spawn.hpp"
#include "runtime/confine.hpp"
#include "runtime/init_command.hpp"
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

Status resolve_user(const spec::GuestSpec& spec, const std::string& user, JoinRequest& req) {
    if (user.empty() || user == "root" || user == "0") return ok();
    auto rootfd = VS_TRY(sys::open(spec.root, O_PATH | O_DIRECTORY));
    auto fd = sys::open_in_root(rootfd.get(), "etc/passwd", O_RDONLY);
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
        req.home = "/";
        return ok();
    }
    return make_error(ENOENT, "user \"{}\" does not exist in the guest's /etc/passwd", user);
}

namespace {

std::vector<std::string> environment(const spec::GuestSpec& spec, const JoinRequest& req) {
    std::vector<std::string> env = spec.init.environment;
    env.push_back("HOME=" + req.home);
    env.push_back("USER=" + req.user);
    env.push_back("LOGNAME=" + req.user);
    if (req.tty) {
        const char* term = std::getenv("TERM");
        env.push_back(std::string("TERM=") + (term ? term : "linux"));
    }
    return env;
}

// Why the joining is split in two processes (CVE-2019-5736, CVE-2016-9962):
// the child forked from us is a copy of the host's `vserver` binary, with /proc/PID/exe naming
// it. If the guest could see that process, guest root (which holds CAP_SYS_PTRACE by default,
// and without a user namespace that capability counts against host-owned processes too, so
// PR_SET_DUMPABLE 0 does not stop it) could open /proc/PID/exe and, once we exit, write the host
// binary. So this child never enters the guest's pid namespace: it joins the other namespaces,
// sets pid_for_children, chroots and confines itself (rlimits, seccomp, caps, uid), and then
// execveat()s a sealed memfd copy of the static vs-init (`vs-init --spawn`). Only vs-init's
// fork is born in the guest's pid namespace, and until its own execve its exe is that sealed
// memfd: write-open fails (ETXTBSY while it runs, the write seal after). The alternative, a
// vs-init that redoes all confinement from a serialized plan, would duplicate the capability,
// seccomp and pty code in a second, libc-only implementation for no gain in what the guest
// can see.
Status child_steps(proc::SyncChannel& ch, const spec::GuestSpec& spec, const JoinRequest& req,
                   int init_pidfd, uint64_t ns_flags, int root_fd, int helper_fd,
                   const std::vector<RlimitSetting>& limits, const std::vector<std::string>& env,
                   const seccomp::Program& filter) {
    VS_TRY(ns::join_in_child(init_pidfd, ns_flags, root_fd));
    if (ns_flags & CLONE_NEWUSER) {
        VS_TRY(ns::become_root_in_userns());
        // Dumpable again only for the uid switch. Nothing in the guest can name this process
        // (it is outside the guest's pid namespace), but keep it out of reach all the same.
        if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return errno_error("prctl PR_SET_DUMPABLE 0");
    }
    if (req.tty) {
        auto pty = VS_TRY(proc::open_pty());
        VS_TRY(ch.send_fd(pty.master.get()));
        // No setsid here: vs-init's child makes its own session (we exit before it does).
        for (int i = 0; i < 3; ++i)
            if (::dup2(pty.slave.get(), i) < 0) return errno_error(fmt::format("dup2 pty to fd {}", i));
    }
    VS_TRY(apply_rlimits(limits));
    VS_TRY(confine_in_child(spec, filter));
    if (req.uid != 0 || req.gid != 0) {
        if (::setgroups(req.groups.size(), req.groups.data()) < 0) return errno_error("setgroups");
        if (::setresgid(req.gid, req.gid, req.gid) < 0) return errno_error(fmt::format("setgid {}", req.gid));
        if (::setresuid(req.uid, req.uid, req.uid) < 0) return errno_error(fmt::format("setuid {}", req.uid));
    }
    if (::chdir(req.home.c_str()) < 0 && ::chdir("/") < 0) return errno_error("chdir \"/\"");
    VS_TRY(proc::close_fds_except({ch.fd(), helper_fd}));
    // vs-init reports on the channel, so it must survive this one execveat.
    if (::fcntl(ch.fd(), F_SETFD, 0) < 0) return errno_error("clear close-on-exec of the sync channel");
    std::vector<std::string> argv = {"vs-init", "--spawn", std::to_string(ch.fd()),
                                     req.tty ? "tty" : "-", "--"};
    argv.insert(argv.end(), req.argv.begin(), req.argv.end());
    return proc::exec_fd(helper_fd, argv, env);
}

// True when `pidfd` is a child of ours (waitid refuses others with ECHILD); WNOWAIT leaves it.
bool is_our_child(int pidfd) {
    siginfo_t si {};
    return ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &si,
                    WEXITED | WNOHANG | WNOWAIT) == 0;
}

}  // namespace

Result<int> run_in_guest(const spec::GuestSpec& spec, const state::GuestState& st, cgroup::Manager& cg,
                         const JoinRequest& req) {
    auto pidfd = VS_TRY(proc::PidFd::open(st.init_pid));
    // Opened first, checked second: if the start time still matches, the pidfd is the init.
    if (!proc::is_alive(st.init_pid, st.init_start_time))
        return make_error(0, "guest \"{}\" is not running", spec.name);
    auto root = VS_TRY(sys::open(fmt::format("/proc/{}/root", st.init_pid), O_PATH | O_DIRECTORY));
    // CLONE_NEWPID: setns sets only the child's pid_for_children (see child_steps).
    uint64_t flags = VS_TRY(ns::differing_namespaces(
        st.init_pid, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                         CLONE_NEWCGROUP | CLONE_NEWTIME | CLONE_NEWPID));
    auto limits = VS_TRY(plan_rlimits(spec));
    auto filter = VS_TRY(guest_filter(config::Paths::from_env(), spec));
    auto env = environment(spec, req);
    auto helper_file = VS_TRY(helper_path());
    auto helper = VS_TRY(proc::sealed_copy(helper_file));
    UniqueFd cg2;
    if (!cg.unified_path().empty())
        if (auto fd = sys::open(cg.unified_path(), O_PATH | O_DIRECTORY); fd) cg2 = std::move(*fd);

    proc::SpawnOptions so;
    so.cgroup2_fd = cg2.get();
    auto child = VS_TRY(proc::spawn(so, [&](proc::SyncChannel& ch) {
        if (!proc::close_fds_except({ch.fd(), pidfd.fd(), root.get(), helper.get()})) return 1;
        if (!ch.expect(proc::SyncMsg::Go, "go")) return 1;
        auto r = child_steps(ch, spec, req, pidfd.fd(), flags, root.get(), helper.get(), limits,
                             env, filter);
        (void)ch.send_error(r.error());
        return 126;
    }));
    VS_TRY_WRAP(cg.add_pid(child.pidfd.pid()), "move the process into the guest's cgroup");
    VS_TRY(child.channel.send(proc::SyncMsg::Go));

    // Our child sends [Fd], then (as vs-init) Spawned{pid} and, if the command's execve
    // failed, Error; then it exits. Anything else, or twice, is a protocol error: between its
    // birth and its first syscall the spawned process still holds this channel, and the guest
    // can see that process, so nothing received here is trusted beyond this order and a pid
    // that must be an unreaped child of ours.
    UniqueFd master;
    proc::PidFd cmd;
    std::optional<Error> failed;
    for (;;) {
        auto m = VS_TRY(child.channel.recv());
        if (m.eof) break;
        if (m.type == proc::SyncMsg::Error && !failed) {
            failed = std::move(m.error);
        } else if (m.type == proc::SyncMsg::Fd && req.tty && !master && !cmd.valid() && !failed) {
            master = std::move(m.fd);
        } else if (m.type == proc::SyncMsg::Spawned && !cmd.valid() && !failed && m.value > 0 &&
                   m.value != child.pidfd.pid()) {
            auto p = VS_TRY(proc::PidFd::open(m.value));
            if (!is_our_child(p.fd()))
                return make_error(EPROTO, "run in guest \"{}\": reported pid {} is not our child",
                                  spec.name, m.value);
            cmd = std::move(p);
        } else {
            return make_error(EPROTO, "run in guest \"{}\": unexpected message {} on the sync channel",
                              spec.name, static_cast<uint32_t>(m.type));
        }
    }
    child.channel.close();
    (void)child.pidfd.wait();
    if (failed) {
        int code = cmd.valid() ? VS_TRY(cmd.wait()) : 0;
        Error e = std::move(*failed);
        e.wrap(fmt::format("run in guest \"{}\"", spec.name));
        if (!cmd.valid()) return e;
        return Error(e.code, e.message + fmt::format(" (exit status {})", code));
    }
    if (!cmd.valid()) return make_error(ECHILD, "the process joining guest \"{}\" exited early", spec.name);
    if (master) return proc::proxy(master.get(), cmd);
    return cmd.wait();
}

}  // namespace vs::runtime
