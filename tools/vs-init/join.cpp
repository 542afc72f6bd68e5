// vs-init --join: run a command inside a running guest for `vserver NAME exec|suexec|enter`.
//
// usage: vs-init --join FD -- COMMAND ARGS...      (environment: the command's)
//
// `vserver` starts us with vfork + execveat of a sealed memfd copy of this binary, so the only
// host code that ever touches the guest is this small static program, and nothing the guest
// can see runs the host's vserver binary (CVE-2019-5736). We stay in the host's pid namespace
// (the guest cannot name us) and read the plan (src/proc/init_protocol.hpp) from FD, the sync
// channel, once vserver has moved us into the guest's cgroups. Then, in this order (the same as
// the guest's init gets in runtime/guest_init.cpp and caps/apply.cpp):
//   non-dumpable; map the result page (spawn.cpp); vsrun exec's LSM labels; setns into every
//   namespace of the init (pid: only for our children); in a user namespace become its root;
//   chroot to the init's root; the pty (master sent to vserver); rlimits; groups and gid;
//   no_new_privs; seccomp; capability sets (bounding, ambient, securebits, permitted =
//   effective = held & bounding, inheritable empty); uid; cwd; close every fd but FD; then
//   spawn.cpp closes FD and starts the command. vsrun's plans (kOciCaps) change the user as
//   runc does instead, after seccomp: bounding set; groups, gid, uid keeping the permitted set;
//   then the five sets of process.capabilities.
// Any failure up to there: Error{errno, what} on FD, exit 1; after: in the result page.
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "proc/init_protocol.hpp"
#include "sys.hpp"

using namespace vsinit;
namespace wire = vs::proc::init_protocol;

long spawn_prepare(int result_fd);                                            // spawn.cpp
int spawn_command(int fd, char** argv, char** envp, bool tty, unsigned low);  // spawn.cpp

namespace {

using MsgHeader = wire::MsgHeader;

[[noreturn]] void fail(int fd, long err, const char* what) {
    char buf[sizeof(MsgHeader) + wire::kMaxErrorText];
    MsgHeader h{wire::kError, static_cast<int32_t>(-err)};
    size_t len = str_len(what);
    if (len > wire::kMaxErrorText) len = wire::kMaxErrorText;
    mem_copy(buf, &h, sizeof h);
    mem_copy(buf + sizeof h, what, len);
    sys_sendto(fd, buf, sizeof h + len, MSG_NOSIGNAL);
    sys_exit(1);
}

void check(int fd, long r, const char* what) {
    if (r < 0) fail(fd, r, what);
}

// SCM_RIGHTS of one fd, in SyncChannel's Fd message.
long send_fd(int fd, int pass) {
    MsgHeader h{wire::kFd, 0};
    struct iovec iov {
        &h, sizeof h
    };
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    mem_copy(CMSG_DATA(c), &pass, sizeof pass);
    return sys_sendmsg(fd, &msg, MSG_NOSIGNAL);
}

void open_pty(int fd) {
    long m = sys_openat(AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    check(fd, m, "open \"/dev/ptmx\" in the guest");
    unsigned n = 0;
    // A guest that replaced /dev/ptmx with another device gets nothing: it must be a master.
    check(fd, sys_ioctl(static_cast<int>(m), TIOCGPTN, reinterpret_cast<long>(&n)),
          "\"/dev/ptmx\" in the guest is not a pty master");
    int unlock = 0;
    check(fd, sys_ioctl(static_cast<int>(m), TIOCSPTLCK, reinterpret_cast<long>(&unlock)),
          "unlock pty");
    long s = sys_ioctl(static_cast<int>(m), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    check(fd, s, "open pty peer (TIOCGPTPEER)");
    check(fd, send_fd(fd, static_cast<int>(m)), "send the pty master");
    sys_close(static_cast<int>(m));
    for (int i = 0; i < 3; ++i)
        if (s != i) check(fd, sys_dup3(static_cast<int>(s), i, 0), "dup2 pty to stdio");
    if (s > 2) sys_close(static_cast<int>(s));
}

void apply_caps(int fd, const wire::PlanHeader& h) {
    const uint64_t keep = h.cap_keep;
    // 1. Bounding set first (needs CAP_SETPCAP, which step 4 may remove).
    for (int c = 0; c <= h.cap_last; ++c)
        if (!(keep & (uint64_t{1} << c)))
            check(fd, sys_prctl(PR_CAPBSET_DROP, c), "drop a capability from the bounding set");
    // 2. Ambient empty (EINVAL: a kernel without ambient capabilities).
    long r = sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (r < 0 && r != -EINVAL) fail(fd, r, "clear the ambient capability set");
    // 3. Root semantics: no securebits inherited from whoever started vserver.
    long bits = sys_prctl(PR_GET_SECUREBITS);
    if (bits > 0) check(fd, sys_prctl(PR_SET_SECUREBITS, 0), "reset securebits to 0");
    // 4. permitted = effective = what we hold of the bounding set, inheritable empty.
    struct __user_cap_header_struct hdr {
        _LINUX_CAPABILITY_VERSION_3, 0
    };
    struct __user_cap_data_struct d[2]{};
    check(fd, sys_capget(&hdr, d), "read the process capability sets");
    uint64_t held = d[0].permitted | (uint64_t{d[1].permitted} << 32);
    uint64_t next = held & keep;
    for (auto& x : d) x = {};
    d[0].permitted = d[0].effective = static_cast<uint32_t>(next);
    d[1].permitted = d[1].effective = static_cast<uint32_t>(next >> 32);
    check(fd, sys_capset(&hdr, d), "set permitted=effective=bounding, inheritable=0");
}

// Exactly the plan's supplementary groups (none when the list is empty). Where the user
// namespace denies setgroups the inherited list cannot change: an empty list is then left as
// the kernel holds it (as runc does), a non-empty one fails, saying why.
void set_groups(int fd, uint32_t n, const uint32_t* groups, bool denied) {
    if (denied && n == 0) return;
    if (denied)
        fail(fd, -EPERM,
             "setgroups: the container's user namespace denies it (its setgroups file is "
             "\"deny\"): additional groups cannot be set");
    check(fd, sys_setgroups(n, groups), "setgroups");
}

// vsrun's user change (kOciCaps), in runc's order, so that a process.capabilities without
// CAP_SETUID or CAP_SETGID still gets its user: the bounding set first (PR_CAPBSET_DROP needs
// CAP_SETPCAP, and never touches the permitted or effective sets), then groups, gid and uid while
// PR_SET_KEEPCAPS keeps the permitted set (setresuid(2) away from uid 0 clears it otherwise, and
// the effective set always: capabilities(7)), then effective, permitted and inheritable as
// config.json says and the ambient capabilities raised.
void apply_oci_user(int fd, const wire::PlanHeader& h, const uint32_t* groups, bool denied) {
    for (int c = 0; c <= h.cap_last; ++c)
        if (!(h.cap_keep & (uint64_t{1} << c)))
            check(fd, sys_prctl(PR_CAPBSET_DROP, c), "drop a capability from the bounding set");
    long r = sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (r < 0 && r != -EINVAL) fail(fd, r, "clear the ambient capability set");
    long bits = sys_prctl(PR_GET_SECUREBITS);
    if (bits > 0) check(fd, sys_prctl(PR_SET_SECUREBITS, 0), "reset securebits to 0");
    check(fd, sys_prctl(PR_SET_KEEPCAPS, 1), "prctl PR_SET_KEEPCAPS 1");
    set_groups(fd, h.n_groups, groups, denied);
    check(fd, sys_setresgid(h.gid, h.gid, h.gid), "setgid");
    check(fd, sys_setresuid(h.uid, h.uid, h.uid), "setuid");
    check(fd, sys_prctl(PR_SET_KEEPCAPS, 0), "prctl PR_SET_KEEPCAPS 0");
    struct __user_cap_header_struct hdr {
        _LINUX_CAPABILITY_VERSION_3, 0
    };
    struct __user_cap_data_struct d[2]{};
    d[0].effective = static_cast<uint32_t>(h.cap_effective);
    d[1].effective = static_cast<uint32_t>(h.cap_effective >> 32);
    d[0].permitted = static_cast<uint32_t>(h.cap_permitted);
    d[1].permitted = static_cast<uint32_t>(h.cap_permitted >> 32);
    d[0].inheritable = static_cast<uint32_t>(h.cap_inheritable);
    d[1].inheritable = static_cast<uint32_t>(h.cap_inheritable >> 32);
    check(fd, sys_capset(&hdr, d), "set the effective, permitted and inheritable capabilities");
    for (int c = 0; c <= h.cap_last; ++c)
        if (h.cap_ambient & (uint64_t{1} << c))
            check(fd, sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0),
                  "raise a capability in the ambient set");
}

// Writes `text` (NUL-terminated, the plan's) to our /proc/thread-self/attr/`name`: the label
// the command's execve takes on (proc(5)). The host's /proc: we have not joined anything yet.
long write_attr(const char* name, const char* text) {
    long f = sys_openat(AT_FDCWD, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0) return f;
    size_t len = str_len(text);
    long n = sys_write(static_cast<int>(f), text, len);
    sys_close(static_cast<int>(f));
    return n < 0 ? n : (static_cast<size_t>(n) == len ? 0 : -EIO);
}

// vsrun exec's AppArmor profile and SELinux label, before any namespace is joined: the
// attribute survives the setns calls and the clone of the command (it is part of the task's
// credentials), and the command's execve is the transition.
void set_exec_labels(int fd, const char* apparmor, const char* selinux) {
    if (apparmor) {
        long r = write_attr("/proc/thread-self/attr/apparmor/exec", apparmor);
        if (r == -ENOENT) r = write_attr("/proc/thread-self/attr/exec", apparmor);
        check(fd, r, "process.apparmorProfile: write /proc/thread-self/attr/apparmor/exec");
    }
    if (selinux)
        check(fd, write_attr("/proc/thread-self/attr/exec", selinux),
              "process.selinuxLabel: write /proc/thread-self/attr/exec");
}

// A vserver whose stdio was closed may hand us a fd at 0-2: it moves above them, so that the
// slot stays closed for the command (as it was for vserver) and never carries a host fd to it.
int above_stdio(int f) {
    if (f < 0 || f > 2) return f;
    long moved = sys_fcntl(f, F_DUPFD, 3);
    if (moved < 0) return f;  // EMFILE: the caller's check of the fd fails instead
    sys_close(f);
    return static_cast<int>(moved);
}

alignas(16) char plan_buf[wire::kMaxPlan];

}  // namespace

int join_main(int argc, char** argv, char** envp) {
    // argv: vs-init --join FD -- CMD ARGS...
    if (argc < 5 || !str_eq(argv[3], "--")) {
        Text t;
        t.add("usage: vs-init --join FD -- COMMAND ARGS...");
        say(t);
        return 2;
    }
    const int fd = above_stdio(parse_int(argv[2]));
    // vserver dies -> EOF here -> we never go on (we are its vfork child, not yet confined).
    sys_prctl(PR_SET_PDEATHSIG, 9);
    long n;
    do {
        n = sys_recv(fd, plan_buf, sizeof plan_buf);
    } while (n == -EINTR);
    if (n <= 0) return 1;
    MsgHeader mh;
    mem_copy(&mh, plan_buf, sizeof mh);
    wire::PlanHeader h;
    if (mh.type != wire::kPlan || static_cast<size_t>(n) < sizeof mh + sizeof h)
        fail(fd, -EPROTO, "bad plan message");
    mem_copy(&h, plan_buf + sizeof mh, sizeof h);
    const char* p = plan_buf + sizeof mh + sizeof h;
    const size_t rest = static_cast<size_t>(n) - sizeof mh - sizeof h;
    const size_t strings = h.home_len + static_cast<size_t>(h.apparmor_len) + h.selinux_len;
    const size_t need = h.n_groups * 4ul + h.n_rlimits * sizeof(wire::PlanRlimit) +
                        h.n_filter * wire::kFilterInsnSize + strings;
    const char* home = p + need - strings;
    if (h.magic != wire::kPlanMagic || h.version != wire::kPlanVersion || need != rest ||
        h.cap_last > 63 || h.home_len == 0 || home[h.home_len - 1] != 0 ||
        (h.apparmor_len && home[h.home_len + h.apparmor_len - 1] != 0) ||
        (h.selinux_len && p[need - 1] != 0))
        fail(fd, -EPROTO, "bad plan (vserver and vs-init from different builds?)");
    const char* apparmor = h.apparmor_len ? home + h.home_len : nullptr;
    const char* selinux = h.selinux_len ? home + h.home_len + h.apparmor_len : nullptr;
    alignas(4) static uint32_t groups[wire::kMaxGroups];
    if (h.n_groups > wire::kMaxGroups) fail(fd, -EINVAL, "too many groups");
    mem_copy(groups, p, h.n_groups * 4ul);
    const char* limits = p + h.n_groups * 4ul;
    const char* filter = limits + h.n_rlimits * sizeof(wire::PlanRlimit);
    h.pidfd = above_stdio(h.pidfd);
    h.root_fd = above_stdio(h.root_fd);
    h.result_fd = above_stdio(h.result_fd);
    if (fd < 3 || h.pidfd < 3 || h.root_fd < 3 || h.result_fd < 3)
        fail(fd, -EMFILE, "move vserver's fds above stdio");
    const int first = 3 + static_cast<int>(h.preserve_fds);
    if (h.preserve_fds > 65536 || fd < first || h.pidfd < first || h.root_fd < first ||
        h.result_fd < first)
        fail(fd, -EPROTO, "bad plan: vserver's fds among the preserved ones");

    // Nothing but host root may look into us, even when a user namespace makes us its root.
    check(fd, sys_prctl(PR_SET_DUMPABLE, 0), "prctl PR_SET_DUMPABLE 0");
    check(fd, spawn_prepare(h.result_fd), "map vserver's result page");
    set_exec_labels(fd, apparmor, selinux);
    if (h.ns_flags)
        check(fd, sys_setns(h.pidfd, static_cast<long>(h.ns_flags)),
              "setns into the guest's namespaces");
    bool groups_denied = false;
    if (h.flags & wire::kUserns) {
        check(fd, sys_setresgid(0, 0, 0), "setgid 0 in the guest's user namespace");
        // setns(2) gave us every capability in the joined user namespace, so EPERM here means
        // it denies setgroups for good (user_namespaces(7)). /proc/self/setgroups cannot tell:
        // /proc is now the guest's, of a pid namespace we only enter with our child.
        long r = sys_setgroups(0, nullptr);
        groups_denied = r == -EPERM;
        if (!groups_denied) check(fd, r, "setgroups in the guest's user namespace");
        check(fd, sys_setresuid(0, 0, 0), "setuid 0 in the guest's user namespace");
        check(fd, sys_prctl(PR_SET_DUMPABLE, 0), "prctl PR_SET_DUMPABLE 0");
    }
    check(fd, sys_fchdir(h.root_fd), "chdir to the guest root");
    check(fd, sys_chroot("."), "chroot to the guest root");
    check(fd, sys_chdir("/"), "chdir \"/\" in the guest");
    if (h.flags & wire::kTty) open_pty(fd);
    for (uint32_t i = 0; i < h.n_rlimits; ++i) {
        wire::PlanRlimit r;  // copied: the plan has no alignment guarantees
        mem_copy(&r, limits + i * sizeof r, sizeof r);
        uint64_t lim[2] = {r.cur, r.max};
        check(fd, sys_prlimit(r.resource, lim), "setrlimit");
    }
    // Groups and gid while we still hold CAP_SETGID: a process whose capabilities lack it gets
    // its groups all the same (setgroups(2), setresgid(2)); neither call changes capabilities.
    const bool oci = h.flags & wire::kOciCaps;
    if ((h.flags & wire::kSetIds) && !oci) {
        set_groups(fd, h.n_groups, groups, groups_denied);
        check(fd, sys_setresgid(h.gid, h.gid, h.gid), "setgid");
    }
    if (h.flags & wire::kNoNewPrivs)
        check(fd, sys_prctl(PR_SET_NO_NEW_PRIVS, 1), "prctl PR_SET_NO_NEW_PRIVS");
    if (h.n_filter) {
        // Before the capability sets: without no_new_privs, loading needs CAP_SYS_ADMIN.
        struct {
            unsigned short len;
            const void* filter;
        } prog{static_cast<unsigned short>(h.n_filter), filter};
        check(fd, sys_seccomp_filter(&prog), "load seccomp filter");
    }
    if (oci) {
        apply_oci_user(fd, h, groups, groups_denied);
    } else {
        apply_caps(fd, h);
        if (h.flags & wire::kSetIds) check(fd, sys_setresuid(h.uid, h.uid, h.uid), "setuid");
    }
    if (sys_chdir(home) < 0) check(fd, sys_chdir("/"), "chdir \"/\"");
    // The pidfd, root fd and result memfd of the host go here; only the channel and the fds
    // vsrun exec --preserve-fds names (3..3+N-1, below every fd of the host's) stay, the
    // channel until spawn.cpp has nothing left to send on it.
    const unsigned low = 3u + h.preserve_fds;
    if (static_cast<unsigned>(fd) > low) sys_close_range(low, static_cast<unsigned>(fd) - 1);
    sys_close_range(static_cast<unsigned>(fd) + 1, ~0u);
    return spawn_command(fd, argv + 4, envp, h.flags & wire::kTty, low);
}
