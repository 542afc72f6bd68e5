// The in-child start pipeline.
#include "runtime/guest_init.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "mount/executor.hpp"
#include "ns/join.hpp"
#include "ns/uts.hpp"
#include "proc/fds.hpp"
#include "proc/pty.hpp"
#include "proc/sealed_exec.hpp"
#include "runtime/confine.hpp"
#include "runtime/init_prepare.hpp"

namespace vs::runtime {

namespace {

Status stdio_to_null() {
    // The guest's own /dev/null (our tmpfs, after pivot_root): init never holds a host
    // terminal or pipe, so nothing of the admin's session leaks into the guest.
    int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno_error("open \"/dev/null\" in the guest");
    for (int i = 0; i < 3; ++i)
        if (::dup2(fd, i) < 0) return errno_error(fmt::format("dup2 /dev/null to fd {}", i));
    if (fd > 2) ::close(fd);
    return ok();
}

/// virt_uptime: a time namespace whose CLOCK_BOOTTIME starts at zero, so the guest's uptime
/// counts from its start. The offsets can be written only before any process is in the new
/// namespace; unshare(CLONE_NEWTIME) moves only our children there (time_namespaces(7)), so
/// init then enters it itself with setns. Kernels before 6.3 do not move a process at execve
/// (6.1 reverted that), and `vserver exec` joins init's own time namespace.
Status time_namespace() {
    if (::unshare(CLONE_NEWTIME) < 0) return errno_error("unshare the time namespace");
    struct timespec now {};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    VS_TRY(
        sys::write_file("/proc/self/timens_offsets", fmt::format("boottime -{} 0\n", now.tv_sec)));
    auto ns = VS_TRY(sys::open("/proc/self/ns/time_for_children", O_RDONLY));
    if (::setns(ns.get(), CLONE_NEWTIME) < 0) return errno_error("setns the new time namespace");
    return ok();
}

/// Settings of the init process itself, still with the host's /proc (before pivot_root).
Status process_settings(const spec::GuestSpec& spec, const InitPlan& p) {
    if (spec.caps.ping_sockets && spec.ns.net)
        // ping without CAP_NET_RAW (ccap raw_icmp) for every group, in the guest's netns only:
        // net sysctls act on the writer's network namespace.
        VS_TRY(sys::write_file("/proc/sys/net/ipv4/ping_group_range", p.ping_group_range));
    if (spec.oom_score_adj)
        VS_TRY(sys::write_file("/proc/self/oom_score_adj", std::to_string(*spec.oom_score_adj)));
    if (spec.nice && ::setpriority(PRIO_PROCESS, 0, *spec.nice) < 0)
        return errno_error(fmt::format("nice {}", *spec.nice));
    if (spec.ns.time) VS_TRY(time_namespace());
    return ok();
}

/// The guest's root, mounts, hostname and limits: the part of a start that touches only the
/// child itself, its new namespaces and the guest's own root, so it may run while the parent
/// still sets up the network (see guest_init_main).
Status build_root(const InitPlan& p, UniqueFd idmapped_root) {
    const auto& spec = *p.spec;
    // Open the root while our fsuid is still the host's root: in a user namespace the guest's
    // ids may not traverse the path to it (e.g. a 0700 parent dir).
    auto rootfd = VS_TRY(sys::open(spec.root, O_PATH | O_DIRECTORY));
    UniqueFd lxcfs;
    if (!p.lxcfs_dir.empty())
        lxcfs = VS_TRY(sys::open(p.lxcfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (spec.ns.user) VS_TRY(ns::become_root_in_userns());
    if (p.new_cgroupns && ::unshare(CLONE_NEWCGROUP) < 0)
        return errno_error("unshare the cgroup namespace");
    VS_TRY(process_settings(spec, p));
    VS_TRY(mount::execute(p.mounts, spec.root, rootfd.get(),
                          idmapped_root ? idmapped_root.get() : -1, lxcfs.get()));
    rootfd.reset();
    lxcfs.reset();
    idmapped_root.reset();
    VS_TRY(ns::set_uts_in_child(p.nodename, spec.domainname));
    VS_TRY(apply_rlimits(p.rlimits));
    if (spec.init.mtab) VS_TRY(write_guest_mtab(*spec.init.mtab));
    return ok();
}

/// The guest's console (InitPlan::console_ttys): ptys of the guest's own devpts instance (after
/// pivot_root, /dev/ptmx is its pts/ptmx), so neither side ever reaches a pty of the host.
/// The first is bound on /dev/console, as a kernel console is a node there; the others stay
/// /dev/pts/N and are named in $container_ttys, which systemd's getty generator reads
/// (systemd's container interface). The masters go to the parent, which hands them to
/// vs-consoled; `slave` keeps the console for the init's stdio.
Status make_console(proc::SyncChannel& ch, const InitPlan& p, std::vector<std::string>& env,
                    UniqueFd& slave) {
    auto con = VS_TRY(proc::open_pty());
    unsigned n = 0;
    if (::ioctl(con.master.get(), TIOCGPTN, &n) < 0) return errno_error("console pty number");
    {
        int fd =
            ::open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0) return errno_error("create \"/dev/console\" in the guest");
        ::close(fd);
    }
    std::string pts = fmt::format("/dev/pts/{}", n);
    if (::mount(pts.c_str(), "/dev/console", nullptr, MS_BIND, nullptr) < 0)
        return errno_error(fmt::format("bind \"{}\" on \"/dev/console\"", pts));
    VS_TRY(ch.send_fd(con.master.get()));
    std::vector<std::string> ttys;
    for (int i = 0; i < p.console_ttys; ++i) {
        auto t = VS_TRY(proc::open_pty());
        if (::ioctl(t.master.get(), TIOCGPTN, &n) < 0) return errno_error("tty pty number");
        ttys.push_back(fmt::format("pts/{}", n));
        VS_TRY(ch.send_fd(t.master.get()));
    }
    if (!ttys.empty()) {
        std::erase_if(env, [](const std::string& e) { return e.rfind("container_ttys=", 0) == 0; });
        env.push_back("container_ttys=" + str::join(ttys, " "));
    }
    slave = std::move(con.slave);
    return ok();
}

/// Confinement, cmd.prepare and the exec of init: after Go, once the guest's cgroups, id maps
/// and network are in place.
Status finish(proc::SyncChannel& ch, const InitPlan& p) {
    const auto& spec = *p.spec;
    // cmd.prepare's output goes to `vserver start`'s stderr, copied through a pipe.
    UniqueFd admin_err;
    if (!spec.init.cmd_prepare.empty()) {
        int fd = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd >= 0) admin_err = UniqueFd(fd);
    }
    std::vector<std::string> env = p.env;
    UniqueFd console;
    if (p.console_ttys >= 0) VS_TRY(make_console(ch, p, env, console));
    VS_TRY(stdio_to_null());
    if (spec.personality && ::personality(*spec.personality) < 0)
        return errno_error(fmt::format("personality {:#x}", *spec.personality));
    VS_TRY(confine_in_child(spec, p.filter));
    if (!spec.init.cmd_prepare.empty())
        VS_TRY(
            run_prepare(spec.init.cmd_prepare, p.env, admin_err ? admin_err.get() : STDERR_FILENO));
    admin_err.reset();
    if (console && p.console_stdio)
        for (int i = 0; i < 3; ++i)
            if (::dup2(console.get(), i) < 0)
                return errno_error(fmt::format("dup2 the console to fd {}", i));
    console.reset();
    std::vector<int> keep = {ch.fd()};
    if (p.helper_fd >= 0) keep.push_back(p.helper_fd);
    keep.insert(keep.end(), p.inherit_fds.begin(), p.inherit_fds.end());
    VS_TRY(proc::close_fds_except(keep));
    for (int fd : p.inherit_fds)
        if (::fcntl(fd, F_SETFD, 0) < 0)
            return errno_error(fmt::format("clear close-on-exec on fd {}", fd));
    // From here on the init must outlive `vserver start` (DESIGN.md §1: no monitor process).
    if (::prctl(PR_SET_PDEATHSIG, 0) < 0) return errno_error("prctl PR_SET_PDEATHSIG 0");
    VS_TRY(ch.send(proc::SyncMsg::Exec));
    if (p.helper_fd >= 0) return proc::exec_fd(p.helper_fd, p.argv, env);
    return proc::exec_path(p.argv, env);
}

/// Waits for the parent's Go, taking the idmapped root tree it may send first. False when the
/// parent is gone or gave up.
bool await_go(proc::SyncChannel& ch, UniqueFd* idmapped_root) {
    for (;;) {
        auto m = ch.recv();
        if (!m || m->eof) return false;
        if (m->type == proc::SyncMsg::Fd && idmapped_root) {
            *idmapped_root = std::move(m->fd);
            continue;
        }
        return m->type == proc::SyncMsg::Go;
    }
}

}  // namespace

int guest_init_main(proc::SyncChannel& ch, const InitPlan& p) {
    // Drop every inherited fd first (the guest lock above all: a copy held here would keep a
    // dead `vserver start`'s lock alive until this child is gone).
    std::vector<int> keep = {ch.fd()};
    if (p.helper_fd >= 0) keep.push_back(p.helper_fd);
    keep.insert(keep.end(), p.inherit_fds.begin(), p.inherit_fds.end());
    if (!proc::close_fds_except(keep)) return 1;
    // Without a user namespace the root is built while the parent sets up the network, at the
    // same time instead of one after the other: nothing here depends on Go, and a parent that
    // gives up kills this child (PDEATHSIG, rollback). A user-namespaced child first needs its
    // id maps and idmapped root tree, which come before Go.
    Status r = ok();
    if (!p.spec->ns.user) {
        r = build_root(p, UniqueFd());
        // An error is reported after Go: the parent sends Go before it reads any reply.
        if (!await_go(ch, nullptr)) return 1;
    } else {
        UniqueFd idmapped_root;
        if (!await_go(ch, &idmapped_root)) return 1;
        r = build_root(p, std::move(idmapped_root));
    }
    if (r) r = finish(ch, p);
    if (!r) {
        (void)ch.send_error(r.error());
        return 1;
    }
    return 0;
}

}  // namespace vs::runtime
