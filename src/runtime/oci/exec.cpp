// exec: a process in a running container, joined by a sealed vs-init (runtime/join.cpp) with
// the container's namespaces, cgroup, seccomp filter and the process's user and capabilities.
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "caps/apply.hpp"
#include "caps/sets.hpp"
#include "cgroup/manager.hpp"
#include "config/oci/parse.hpp"
#include "ns/join.hpp"
#include "proc/pidfd.hpp"
#include "proc/pty.hpp"
#include "runtime/join.hpp"
#include "runtime/oci/labels.hpp"
#include "runtime/oci/oci.hpp"
#include "seccomp/oci_filter.hpp"
#include "spec/capabilities.hpp"

namespace vs::runtime::oci {

namespace {

/// "UID[:GID]" of --user.
Status apply_user(const std::string& text, spec::oci::User& u) {
    auto parts = str::split(text, ':', false);
    uint64_t uid = 0, gid = 0;
    bool good = !parts.empty() && parts.size() <= 2;
    if (good) {
        auto n = str::parse_u64(parts[0]);
        good = n.has_value();
        uid = n.value_or(0);
    }
    if (good && parts.size() == 2) {
        auto g = str::parse_u64(parts[1]);
        good = g.has_value();
        gid = g.value_or(0);
    }
    if (!good || uid > 0xFFFFFFFEull || gid > 0xFFFFFFFEull)
        return make_error(EINVAL, "--user \"{}\": use UID[:GID] (numbers)", text);
    u.uid = static_cast<uint32_t>(uid);
    u.gid = static_cast<uint32_t>(gid);
    return ok();
}

}  // namespace

Result<int> exec(const Options& opt, const std::string& id, const ExecOptions& eo) {
    VS_TRY(check_id(id));
    std::string dir = container_dir(opt, id);
    auto rec = VS_TRY(load(dir, id));
    State s = state_of(rec, dir);
    // runc's rule and words: a process joining a frozen cgroup is frozen with it, so exec would
    // hang until `resume`; only --ignore-paused asks for that.
    if (s == State::Paused && !eo.ignore_paused)
        return make_error(
            EINVAL, "cannot exec in a paused container (use --ignore-paused to override): {}", id);
    if (s != State::Running && s != State::Created && s != State::Paused)
        return make_error(EINVAL, "cannot exec in a {} container: {}", state_name(s), id);
    // Checked before we open anything: our own fds then land above the preserved ones.
    for (int fd = 3; fd < 3 + eo.preserve_fds; ++fd)
        if (::fcntl(fd, F_GETFD) < 0)
            return make_error(EBADF, "--preserve-fds {}: fd {} is not open", eo.preserve_fds, fd);
    auto spec = VS_TRY(config::oci::read_bundle(rec.bundle));
    spec::oci::Process pr;
    if (!eo.process_file.empty()) {
        pr = VS_TRY(config::oci::read_process(eo.process_file));
    } else {
        if (!spec.process) return make_error(EINVAL, "exec: config.json has no process");
        pr = *spec.process;
        pr.args = eo.args;
        pr.terminal = eo.tty;
        if (!eo.cwd.empty()) pr.cwd = eo.cwd;
        for (const auto& e : eo.env) pr.env.push_back(e);
        if (!eo.user.empty()) VS_TRY(apply_user(eo.user, pr.user));
    }
    // runc applies both to config.json's process only; an admin's explicit flag is not dropped
    // for a --process file here: ignoring --no-new-privs would run the process with less
    // confinement than asked.
    if (eo.no_new_privs) pr.no_new_privileges = *eo.no_new_privs;
    pr.user.additional_gids.insert(pr.user.additional_gids.end(), eo.additional_gids.begin(),
                                   eo.additional_gids.end());
    // NGROUPS_MAX (setgroups(2)).
    if (pr.user.additional_gids.size() > 65536)
        return make_error(EINVAL, "--additional-gids: {} groups, at most 65536",
                          pr.user.additional_gids.size());
    if (pr.args.empty()) return make_error(EINVAL, "exec: no command (args after the id)");
    // The process's labels, as create checks and runc's exec applies them.
    const std::string where =
        eo.process_file.empty() ? rec.bundle + "/config.json" : eo.process_file;
    VS_TRY(check_labels(pr, "").wrap("{}", where));
    if (pr.terminal && eo.console_socket.empty() && eo.detach)
        return make_error(EINVAL, "exec --tty --detach needs --console-socket");

    // A rootless container without a cgroup of its own (create.cpp): its processes stay in
    // their caller's.
    std::unique_ptr<cgroup::Manager> cg;
    if (!rec.cgroup_name.empty()) {
        cgroup::Options co;
        co.parent = rec.cgroup_parent;
        co.name = rec.cgroup_name;
        cg = VS_TRY(cgroup::open(co));
    }
    JoinProfile profile;
    profile.name = id;
    profile.root = rec.rootfs;
    profile.no_new_privs = pr.no_new_privileges;
    profile.oci_caps = VS_TRY(oci_cap_sets(pr, eo.caps, fmt::format("container \"{}\": exec", id)));
    profile.cap_bounding = profile.oci_caps->bounding;
    profile.apparmor_profile = pr.apparmor_profile;
    profile.selinux_label = pr.selinux_label;
    // The namespaces the init has that are not ours: a joined host namespace is not entered.
    profile.ns_flags = VS_TRY(ns::differing_namespaces(
        rec.pid, CLONE_NEWUSER | CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                     CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWPID));
    profile.env = pr.env;
    profile.rlimits = rlimit_settings(pr.rlimits);
    if (cg) {
        profile.cgroup_self_join = cg->self_join_files();
        profile.cgroup2 = cg->unified_path();
    }
    if (spec.linux.seccomp) {
        profile.filter =
            VS_TRY(seccomp::compile_oci_cached(*spec.linux.seccomp, seccomp_cache_dir(opt)));
        profile.seccomp_profile = "linux.seccomp";
    }

    JoinRequest req;
    req.argv = pr.args;
    req.uid = pr.user.uid;
    req.gid = pr.user.gid;
    // Exactly additionalGids, as create sets them and runc does: none when empty.
    req.groups.assign(pr.user.additional_gids.begin(), pr.user.additional_gids.end());
    req.home = pr.cwd;  // vs-init --join changes to it before the exec
    req.tty = pr.terminal;
    req.env = pr.env;
    req.preserve_fds = eo.preserve_fds;
    UniqueFd console;
    if (!eo.console_socket.empty()) {
        console = VS_TRY(proc::connect_console_socket(eo.console_socket));
        req.console_socket = console.get();
    }
    // With a pid file the pid is needed before the process ends: it is started detached and
    // then waited for here unless --detach.
    req.detach = eo.detach || !eo.pid_file.empty() || console;
    state::GuestState st;
    st.name = id;
    st.init_pid = rec.pid;
    st.init_start_time = rec.start_time;
    int r = VS_TRY(run_in_guest(profile, st, req).wrap("exec in container {}", id));
    if (!req.detach) return r;
    pid_t pid = r;
    auto pidfd = proc::PidFd::open(pid);
    if (!eo.pid_file.empty())
        VS_TRY(sys::write_file_atomic(eo.pid_file, std::to_string(pid), 0644).wrap("--pid-file"));
    if (eo.detach) return 0;
    if (!pidfd) return std::move(pidfd).error();
    return pidfd->wait();
}

}  // namespace vs::runtime::oci
