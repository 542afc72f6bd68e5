// The in-child steps of `vsrun create`.
#include "runtime/oci/init_child.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "mount/executor.hpp"
#include "net/link_ops.hpp"
#include "ns/join.hpp"
#include "ns/uts.hpp"
#include "proc/fds.hpp"
#include "proc/pty.hpp"
#include "proc/sealed_exec.hpp"
#include "runtime/oci/hooks.hpp"
#include "runtime/oci/id_maps.hpp"

namespace vs::runtime::oci {

namespace {

/// Waits for Go, keeping the trees (idmapped binds) sent before it, in order.
bool await_go(proc::SyncChannel& ch, std::vector<UniqueFd>& trees) {
    for (;;) {
        auto m = ch.recv();
        if (!m || m->eof) return false;
        if (m->type == proc::SyncMsg::Go) return true;
        if (m->type == proc::SyncMsg::Fd) trees.push_back(std::move(m->fd));
    }
}

/// linux.sysctl, written through the host's /proc before pivot_root: /proc/sys/net, kernel.*
/// ipc and uts entries act on the writer's namespaces, which are the container's now.
Status write_sysctls(const std::map<std::string, std::string>& sysctl) {
    for (const auto& [key, value] : sysctl) {
        std::string path = "/proc/sys/" + key;
        for (auto& c : path)
            if (c == '.') c = '/';
        VS_TRY(sys::write_file(path, value).wrap("linux.sysctl \"{}\"", key));
    }
    return ok();
}

/// The createContainer hooks (runtime-spec: in the container's namespaces, after its mounts,
/// before pivot_root, their paths resolved in the runtime's tree), given the state create wrote
/// into the hooks memfd before it let us go on.
Status create_container_hooks(const ChildPlan& p) {
    const auto& hooks = p.config->hooks.create_container;
    if (hooks.empty()) return ok();
    std::string state(64 * 1024, '\0');
    size_t n = 0;
    for (;;) {
        ssize_t r = ::pread(p.hooks_fd, state.data() + n, state.size() - n, static_cast<off_t>(n));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errno_error("read the state for hooks.createContainer");
        if (r == 0) break;
        n += static_cast<size_t>(r);
        if (n == state.size()) state.resize(state.size() * 2);
    }
    state.resize(n);
    return run_hooks(hooks, "createContainer", state);
}

/// A new time namespace with linux.timeOffsets (time_namespaces(7)): unshare(CLONE_NEWTIME)
/// makes it for our children only, its offsets are written through our timens_offsets while no
/// process is in it yet, and then we enter it ourselves (setns of time_for_children), so the
/// process we exec and all it starts see the shifted clocks.
Status enter_new_timens(const std::map<std::string, spec::oci::TimeOffset>& offsets) {
    if (::unshare(CLONE_NEWTIME) < 0) return errno_error("unshare the time namespace");
    for (const auto& [clock, o] : offsets) {
        // The clock's number (CLOCK_MONOTONIC, CLOCK_BOOTTIME): older kernels take no names.
        int id = clock == "boottime" ? CLOCK_BOOTTIME : CLOCK_MONOTONIC;
        VS_TRY(sys::write_file("/proc/self/timens_offsets",
                               fmt::format("{} {} {}\n", id, o.secs, o.nanosecs))
                   .wrap("linux.timeOffsets.{} ({} s {} ns)", clock, o.secs, o.nanosecs));
    }
    auto ns = VS_TRY(sys::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
    if (::setns(ns.get(), CLONE_NEWTIME) < 0) return errno_error("enter the new time namespace");
    return ok();
}

Status setup_terminal(const ChildPlan& p) {
    auto pty = VS_TRY(proc::open_pty().wrap("process.terminal"));
    VS_TRY(proc::send_pty_master(p.console_fd, pty.master.get()));
    pty.master.reset();
    return proc::attach_terminal(pty.slave.get());
}

/// Whether gid 5 (tty) is mapped in the user namespace we are in. One joined by path maps what
/// its maker chose, which the parent cannot read from the namespace's fd.
Result<bool> tty_gid_mapped() {
    auto m = VS_TRY(read_id_map("/proc/self/gid_map"));
    return id_mapped(m, 5);
}

/// `plan` with the /dev/pts of the container's own /dev (mount::GuestMounts::tty_group) without
/// devpts's gid=5, which it refuses (EINVAL) where gid 5 is not mapped.
mount::Plan without_tty_group(const mount::Plan& plan) {
    mount::Plan out = plan;
    for (auto& o : out) {
        if (o.kind != mount::OpKind::NewFs || o.fstype != "devpts" || o.origin != -1) continue;
        std::erase_if(o.params, [](const auto& kv) { return kv.first == "gid"; });
    }
    return out;
}

Status run(proc::SyncChannel& ch, const ChildPlan& p) {
    const spec::oci::Spec& c = *p.config;
    const spec::oci::Process& pr = *c.process;
    VS_TRY(join_namespaces(p.join));
    std::vector<UniqueFd> trees;
    if (!await_go(ch, trees)) return make_error(ECANCELED, "vsrun create went away");
    std::vector<int> tree_fds;
    for (const auto& t : trees) tree_fds.push_back(t.get());
    // An anonymous session keyring of its own, so the container never sees the keys of the
    // caller's session (keyctl(2) KEYCTL_JOIN_SESSION_KEYRING with no name). ENOSYS: a kernel
    // without keys has none to share.
    if (p.new_keyring && ::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, nullptr) < 0 &&
        errno != ENOSYS)
        return errno_error("keyctl join a new session keyring");
    auto rootfd = VS_TRY(sys::open(p.rootfs, O_PATH | O_DIRECTORY));
    // The root is opened first, as the host's uid: the user namespace's root may not reach it
    // through the host's directories (its capabilities do not cover inodes it does not map).
    if (p.new_userns || p.joined_userns) VS_TRY(ns::become_root_in_userns());
    // A new network namespace holds only lo, and down (network_namespaces(7)). runc and crun
    // bring it up, and what runs without a CNI network (ctr run, podman --network none) expects
    // 127.0.0.1 to answer. After the user namespace's root is ours: it owns the namespace.
    if (p.new_netns) {
        auto nl = VS_TRY(net::netlink::Socket::open().wrap("linux.namespaces: network"));
        VS_TRY(net::loopback_up(nl).wrap("linux.namespaces: network"));
    }
    if (p.new_cgroupns && ::unshare(CLONE_NEWCGROUP) < 0)
        return errno_error("unshare the cgroup namespace");
    if (p.new_timens) VS_TRY(enter_new_timens(c.linux.time_offsets));
    VS_TRY(write_sysctls(c.linux.sysctl));
    if (pr.oom_score_adj)
        VS_TRY(sys::write_file("/proc/self/oom_score_adj", std::to_string(*pr.oom_score_adj))
                   .wrap("process.oomScoreAdj"));
    auto hooks = [&p] { return create_container_hooks(p); };
    const mount::Plan* mounts = &p.mounts;
    mount::Plan unmapped_tty;
    if (p.joined_userns && !VS_TRY(tty_gid_mapped())) {
        unmapped_tty = without_tty_group(p.mounts);
        mounts = &unmapped_tty;
    }
    VS_TRY(mount::execute(*mounts, p.rootfs, rootfd.get(), -1, -1, hooks, tree_fds)
               .wrap("root \"{}\"", p.rootfs));
    rootfd.reset();
    trees.clear();
    if (p.new_utsns && !c.hostname.empty()) VS_TRY(ns::set_uts_in_child(c.hostname, c.domainname));
    VS_TRY(apply_rlimits(p.rlimits).wrap("process.rlimits"));
    if (pr.terminal) VS_TRY(setup_terminal(p));
    if (p.console_fd >= 0) ::close(p.console_fd);
    if (::chdir(pr.cwd.c_str()) < 0) return errno_error(fmt::format("process.cwd \"{}\"", pr.cwd));
    auto program = VS_TRY(resolve_program(pr.args[0], p.env));
    if (c.linux.personality && ::personality(c.linux.personality->persona) < 0)
        return errno_error(fmt::format("linux.personality {:#x}", c.linux.personality->persona));
    ::umask(pr.user.umask.value_or(022));
    // The LSM label the exec takes (create checked that the LSM runs): AppArmor's "exec
    // PROFILE" or an SELinux context, written to the calling thread's attr/exec (proc(5)).
    if (!pr.apparmor_profile.empty())
        VS_TRY(sys::write_file("/proc/thread-self/attr/exec", "exec " + pr.apparmor_profile)
                   .wrap("process.apparmorProfile"));
    if (!pr.selinux_label.empty())
        VS_TRY(sys::write_file("/proc/thread-self/attr/exec", pr.selinux_label)
                   .wrap("process.selinuxLabel"));
    if (pr.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return errno_error("prctl PR_SET_NO_NEW_PRIVS");
    // seccomp while still privileged: without no_new_privs a filter needs CAP_SYS_ADMIN,
    // which the sets below usually drop.
    if (p.seccomp)
        VS_TRY(seccomp::load_program_flags(p.filter, p.seccomp_flags).wrap("linux.seccomp"));
    std::vector<gid_t> groups(pr.user.additional_gids.begin(), pr.user.additional_gids.end());
    VS_TRY(caps::apply_sets(p.caps, pr.user.uid, pr.user.gid, groups)
               .wrap("process.user and process.capabilities"));

    // Only the preserved fds, the FIFO and what the exec needs survive: the caller's other fds
    // (containerd's shim socket at fd 3) never reach the container.
    const bool start_hooks = !c.hooks.start_container.empty();
    std::vector<int> keep = {ch.fd(), p.helper_fd, p.fifo_fd};
    if (start_hooks) keep.insert(keep.end(), {p.hooks_fd, p.start_fd});
    for (int fd = 3; fd < 3 + p.preserve_fds; ++fd) keep.push_back(fd);
    VS_TRY(proc::close_fds_except(keep));
    for (int fd = 3; fd < 3 + p.preserve_fds; ++fd)
        if (::fcntl(fd, F_SETFD, 0) < 0)
            return errno_error(fmt::format("--preserve-fds: fd {}", fd));
    if (::fcntl(p.fifo_fd, F_SETFD, 0) < 0) return errno_error("keep the exec fifo open");
    if (start_hooks && (::fcntl(p.hooks_fd, F_SETFD, 0) < 0 || ::fcntl(p.start_fd, F_SETFD, 0) < 0))
        return errno_error("keep the startContainer hooks open");
    // The process starts with no signal blocked or ignored, whatever the caller had (a blocked
    // mask and SIG_IGN both survive execve, signal(7)); `vsrun run` blocks the signals it
    // forwards before it creates the container.
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // The init outlives `vsrun create`: the engine's shim (a subreaper) becomes its parent.
    if (::prctl(PR_SET_PDEATHSIG, 0) < 0) return errno_error("prctl PR_SET_PDEATHSIG 0");
    std::vector<std::string> argv = {"vs-init", "--wait", std::to_string(p.fifo_fd), program};
    if (start_hooks)
        argv.insert(argv.end(),
                    {"--hooks", std::to_string(p.hooks_fd), std::to_string(p.start_fd)});
    argv.push_back("--");
    argv.insert(argv.end(), pr.args.begin(), pr.args.end());
    VS_TRY(ch.send(proc::SyncMsg::Exec));
    return proc::exec_fd(p.helper_fd, argv, p.env);
}

}  // namespace

Status join_namespaces(const std::vector<JoinNs>& join) {
    std::vector<bool> joined(join.size(), false);
    auto pass = [&](bool user, bool last) -> Status {
        for (size_t i = 0; i < join.size(); ++i) {
            const auto& n = join[i];
            if (joined[i] || (n.flag == CLONE_NEWUSER) != user) continue;
            if (::setns(n.fd, static_cast<int>(n.flag)) < 0) {
                if (errno == EPERM && !last && !user) continue;
                return errno_error(
                    fmt::format("linux.namespaces[{}].path \"{}\": join the {} namespace", n.index,
                                n.path, spec::oci::namespace_type_name(n.type)));
            }
            joined[i] = true;
            ::close(n.fd);
        }
        return ok();
    };
    VS_TRY(pass(false, false));
    VS_TRY(pass(true, false));
    return pass(false, true);
}

Result<std::string> resolve_program(const std::string& arg0, const std::vector<std::string>& env) {
    auto usable = [](const std::string& path) -> Status {
        struct stat st {};
        if (::stat(path.c_str(), &st) < 0) return errno_error(fmt::format("exec \"{}\"", path));
        if (!S_ISREG(st.st_mode))
            return make_error(EACCES, "exec \"{}\": not a regular file", path);
        if (::access(path.c_str(), X_OK) < 0) return errno_error(fmt::format("exec \"{}\"", path));
        return ok();
    };
    if (arg0.empty()) return make_error(EINVAL, "process.args[0] is empty");
    if (arg0.find('/') != std::string::npos) {
        VS_TRY(usable(arg0).wrap("process.args[0]"));
        return arg0;
    }
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : env)
        if (str::starts_with(e, "PATH=")) path = e.substr(5);
    for (const auto& dir : str::split(path, ':')) {
        std::string cand = (dir.empty() ? std::string(".") : dir) + "/" + arg0;
        if (usable(cand)) return cand;
    }
    return make_error(ENOENT, "process.args[0]: executable file \"{}\" not found in $PATH \"{}\"",
                      arg0, path);
}

int container_init_main(proc::SyncChannel& ch, const ChildPlan& p) {
    auto r = run(ch, p);
    (void)ch.send_error(r.error());
    return 1;
}

}  // namespace vs::runtime::oci
