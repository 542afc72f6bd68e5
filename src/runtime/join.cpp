// The joining child.
#include "base/try_wrap.hpp"
#include "runtime/join.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>

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

Status child_steps(proc::SyncChannel& ch, const spec::GuestSpec& spec, const JoinRequest& req,
                   int init_pidfd, uint64_t ns_flags, int root_fd,
                   const std::vector<RlimitSetting>& limits, const std::vector<std::string>& env,
                   const seccomp::Program& filter) {
    VS_TRY(ns::join_in_child(init_pidfd, ns_flags, root_fd));
    if (ns_flags & CLONE_NEWUSER) {
        VS_TRY(ns::become_root_in_userns());
        // Dumpable again only for the uid switch; the joining process stays hidden from the
        // guest until exec (CVE-2016-9962).
        if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return errno_error("prctl PR_SET_DUMPABLE 0");
    }
    if (req.tty) {
        auto pty = VS_TRY(proc::open_pty());
        VS_TRY(ch.send_fd(pty.master.get()));
        VS_TRY(proc::attach_terminal(pty.slave.get()));
    }
    VS_TRY(apply_rlimits(limits));
    VS_TRY(confine_in_child(spec, filter));
    if (req.uid != 0 || req.gid != 0) {
        if (::setgroups(req.groups.size(), req.groups.data()) < 0) return errno_error("setgroups");
        if (::setresgid(req.gid, req.gid, req.gid) < 0) return errno_error(fmt::format("setgid {}", req.gid));
        if (::setresuid(req.uid, req.uid, req.uid) < 0) return errno_error(fmt::format("setuid {}", req.uid));
    }
    if (::chdir(req.home.c_str()) < 0 && ::chdir("/") < 0) return errno_error("chdir \"/\"");
    VS_TRY(proc::close_fds_except({ch.fd()}));
    VS_TRY(ch.send(proc::SyncMsg::Exec));
    return proc::exec_path(req.argv, env);
}

}  // namespace

Result<int> run_in_guest(const spec::GuestSpec& spec, const state::GuestState& st, cgroup::Manager& cg,
                         const JoinRequest& req) {
    auto pidfd = VS_TRY(proc::PidFd::open(st.init_pid));
    // Opened first, checked second: if the start time still matches, the pidfd is the init.
    if (!proc::is_alive(st.init_pid, st.init_start_time))
        return make_error(0, "guest \"{}\" is not running", spec.name);
    auto root = VS_TRY(sys::open(fmt::format("/proc/{}/root", st.init_pid), O_PATH | O_DIRECTORY));
    uint64_t flags = VS_TRY(ns::differing_namespaces(
        st.init_pid, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                         CLONE_NEWCGROUP | CLONE_NEWTIME));
    auto limits = VS_TRY(plan_rlimits(spec));
    auto filter = VS_TRY(guest_filter(config::Paths::from_env(), spec));
    auto env = environment(spec, req);
    UniqueFd cg2;
    if (!cg.unified_path().empty())
        if (auto fd = sys::open(cg.unified_path(), O_PATH | O_DIRECTORY); fd) cg2 = std::move(*fd);

    // Our own future children are born in the guest's pid namespace; we stay where we are.
    VS_TRY(ns::join_pid_ns_for_children(pidfd.fd()));
    proc::SpawnOptions so;
    so.cgroup2_fd = cg2.get();
    auto child = VS_TRY(proc::spawn(so, [&](proc::SyncChannel& ch) {
        if (!proc::close_fds_except({ch.fd(), pidfd.fd(), root.get()})) return 1;
        if (!ch.expect(proc::SyncMsg::Go, "go")) return 1;
        auto r = child_steps(ch, spec, req, pidfd.fd(), flags, root.get(), limits, env, filter);
        // exec failed (or a step before it): 127 when the command is missing, as shells do.
        (void)ch.send_error(r.error());
        return r.error().code == ENOENT ? 127 : 126;
    }));
    VS_TRY_WRAP(cg.add_pid(child.pidfd.pid()), "move the process into the guest's cgroup");
    VS_TRY(child.channel.send(proc::SyncMsg::Go));

    UniqueFd master;
    for (;;) {
        auto m = VS_TRY(child.channel.recv());
        if (m.eof) {
            (void)child.pidfd.wait();
            return make_error(ECHILD, "the process joining guest \"{}\" exited early", spec.name);
        }
        if (m.type == proc::SyncMsg::Error) {
            (void)child.pidfd.wait();
            return std::move(m.error).wrap(fmt::format("run in guest \"{}\"", spec.name));
        }
        if (m.type == proc::SyncMsg::Fd) master = std::move(m.fd);
        if (m.type == proc::SyncMsg::Exec) break;
    }
    auto after = VS_TRY(child.channel.recv());
    if (!after.eof && after.type == proc::SyncMsg::Error) {
        int code = VS_TRY(child.pidfd.wait());
        Error e = std::move(after.error);
        e.wrap(fmt::format("run in guest \"{}\"", spec.name));
        return Error(e.code, e.message + fmt::format(" (exit status {})", code));
    }
    child.channel.close();
    if (master) return proc::proxy(master.get(), child.pidfd);
    return child.pidfd.wait();
}

}  // namespace vs::runtime
