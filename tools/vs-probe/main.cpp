// vs-probe: a static payload the integration tests run inside guests; prints what it sees as JSON.
//
// It plays the hostile guest root of shared/reference/security.md §8 A: it reports its identity,
// capabilities, seccomp state, cgroups, mounts and open fds, and tries the dangerous system calls
// through every x86 entry point (native syscall, i386 int $0x80, x32), each in a forked child so
// a SIGSYS or a successful namespace change cannot affect the next probe.
//
// Every probe is chosen so that it is harmless if the guest is NOT confined: invalid flags,
// nonexistent paths or bad fds make an unconfined call fail with EINVAL/ENOENT/EBADF after the
// point where the filter or the capability check would have refused it. So a wrong result shows
// a hole without opening it on the test machine.
//
// Usage:
//   vs-probe [all]              everything below as one JSON object
//   vs-probe status             pid, uid, hostname, cap sets, NoNewPrivs, Seccomp
//   vs-probe fds [PID]          open fds of PID (default self) and their targets
//   vs-probe mounts             mountinfo summary
//   vs-probe syscalls [--text]  the sweep; --text: one "abi name RESULT" line per probe
//   vs-probe read PATH...       bytes readable from each path (capped) or its errno
//   vs-probe write PATH DATA    writes DATA; prints OK or the errno name; exit 0 only if written
//   vs-probe chroot-escape MARKER...  the classic chroot/fchdir escape; is any MARKER visible?
//   vs-probe shocker            open_by_handle_at on the guest's root handle and on inode 2
//   vs-probe COMMAND ARGS...    the active attacks of hostile.cpp (ptrace-watch, exchange-loop,
//                               tty-inject, unix-connect/listen, ipc-make/find, inotify-hog,
//                               fd-hog, net-forge, sniff; see hostile.hpp)
#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "hostile.hpp"
#include "json.hpp"

namespace {

// ---- JSON output -------------------------------------------------------------------------

using vsprobe::errname;
using vsprobe::jstr;

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> v;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

std::string readlink_str(const std::string& p) {
    char b[4096];
    ssize_t n = ::readlink(p.c_str(), b, sizeof b - 1);
    if (n < 0) return "<" + errname(errno) + ">";
    return std::string(b, static_cast<size_t>(n));
}

// ---- identity, status, cgroups, mounts, fds ------------------------------------------------

std::string status_json() {
    std::string o = "{";
    o += "\"pid\":" + std::to_string(::getpid());
    o += ",\"ppid\":" + std::to_string(::getppid());
    o += ",\"uid\":" + std::to_string(::getuid());
    struct utsname u {};
    ::uname(&u);
    o += ",\"hostname\":" + jstr(u.nodename);
    o += ",\"domainname\":" + jstr(u.domainname);
    for (auto& l : lines_of(slurp("/proc/self/status"))) {
        auto colon = l.find(':');
        if (colon == std::string::npos) continue;
        std::string k = l.substr(0, colon);
        if (k.rfind("Cap", 0) == 0 || k == "NoNewPrivs" || k == "Seccomp" ||
            k == "Seccomp_filters" || k == "NSpid") {
            std::string v = l.substr(colon + 1);
            v.erase(0, v.find_first_not_of(" \t"));
            o += "," + jstr(k) + ":" + jstr(v);
        }
    }
    o += ",\"cwd\":" + jstr(readlink_str("/proc/self/cwd"));
    o += ",\"root\":" + jstr(readlink_str("/proc/self/root"));
    return o + "}";
}

std::string cgroup_json() {
    std::string o = "[";
    bool first = true;
    for (auto& l : lines_of(slurp("/proc/self/cgroup"))) {
        o += (first ? "" : ",") + jstr(l);
        first = false;
    }
    return o + "]";
}

// mountinfo: "id parent major:minor root mountpoint opts [optional...] - fstype source superopts"
std::string mounts_json() {
    std::string o = "[";
    bool first = true;
    for (auto& l : lines_of(slurp("/proc/self/mountinfo"))) {
        std::istringstream in(l);
        std::vector<std::string> f;
        for (std::string w; in >> w;) f.push_back(w);
        size_t dash = 0;
        while (dash < f.size() && f[dash] != "-") ++dash;
        if (f.size() < 6 || dash + 2 >= f.size()) continue;
        o += first ? "" : ",";
        first = false;
        o += "{\"root\":" + jstr(f[3]) + ",\"target\":" + jstr(f[4]) + ",\"opts\":" + jstr(f[5]) +
             ",\"fstype\":" + jstr(f[dash + 1]) + ",\"source\":" + jstr(f[dash + 2]) + "}";
    }
    return o + "]";
}

std::string fds_json(const std::string& pid) {
    std::string dir = "/proc/" + pid + "/fd";
    // Open the listing first so its own fd can be left out of the answer.
    DIR* d = ::opendir(dir.c_str());
    if (!d) return "{\"error\":" + jstr(errname(errno)) + "}";
    int self_fd = ::dirfd(d);
    std::vector<int> fds;
    while (auto* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (pid == "self" && fd == self_fd) continue;
        fds.push_back(fd);
    }
    ::closedir(d);
    std::sort(fds.begin(), fds.end());
    std::string o = "[";
    for (size_t i = 0; i < fds.size(); ++i)
        o += (i ? "," : "") + std::string("{\"fd\":") + std::to_string(fds[i]) +
             ",\"target\":" + jstr(readlink_str(dir + "/" + std::to_string(fds[i]))) + "}";
    return o + "]";
}

// ---- raw system calls through each x86 entry point ----------------------------------------

enum class Abi { Native, I386, X32 };
const char* abi_name(Abi a) {
    return a == Abi::Native ? "x86_64" : a == Abi::I386 ? "i386" : "x32";
}

constexpr long kX32Bit = 0x40000000;

// Returns the kernel's raw answer (-errno on failure).
long raw_syscall64(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    asm volatile("syscall"
                 : "=a"(ret)
                 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                 : "rcx", "r11", "memory");
    return ret;
}

// i386 system call from this 64-bit process: the kernel runs the compat entry, so pointers are
// 32-bit. The probe is linked static and non-PIE, so its .data/.bss lie below 4 GiB; every
// buffer passed here is static for that reason (the stack is not).
long raw_syscall32(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
    long ret;
    asm volatile("int $0x80"
                 : "=a"(ret)
                 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                 : "r8", "r9", "r10", "r11", "memory");
    return ret;
}

long low(const void* p) {
    auto v = reinterpret_cast<uintptr_t>(p);
    return v < (1UL << 32) ? static_cast<long>(v)
                           : 0xdead0000L;  // EFAULT rather than a wrong pointer
}

// Static buffers (below 4 GiB, see raw_syscall32).
char s_none[] = "/nonexistent-vs-probe";
char s_none2[] = "/nonexistent-vs-probe-2";
char s_root[] = "/";
char s_empty[] = "";
char s_tmpfs[] = "tmpfs";
char s_user[] = "user";
char s_keydesc[] = "vs-probe-key";
char s_nokey[] = "vs-probe-no-such-key";
char s_payload[] = "x";
char s_modname[] = "vs_probe_no_such_module";
char s_hostname[65];
char s_blk[] = "/tmp/.vs-probe-sda";
char s_mem[] = "/tmp/.vs-probe-mem";
char s_kmsg[] = "/tmp/.vs-probe-kmsg";
char s_buf[4096];
struct {
    int32_t sec, nsec;
} s_ts32 = {0, -1};                // invalid: tv_nsec < 0
struct timespec s_ts64 = {0, -1};  // invalid: tv_nsec < 0
struct {
    int32_t sec, usec;
} s_tv32 = {0, 2000000};               // invalid: tv_usec > 1e6
struct timeval s_tv64 = {0, 2000000};  // invalid: tv_usec > 1e6
struct clone_args s_clone3 = {};       // flags set at run time
struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
} s_handle;
uint32_t s_sockargs[3];  // socketcall(SYS_SOCKET, ...) argument block

struct Numbers {
    long x86_64;
    long i386;  ///< -1: no such i386 syscall
};

struct Probe {
    const char* name;
    Numbers nr;
    // Arguments for the native/x32 and for the i386 call (pointers are static, so mostly equal).
    std::function<std::vector<long>(Abi)> args;
    std::function<void()> prepare = nullptr;      ///< run in the child before the call
    std::function<void(long)> cleanup = nullptr;  ///< run in the child after a success
    bool forks = false;  ///< a success returns twice (clone): the new child exits at once
};

std::vector<long> same(std::initializer_list<long> l) { return l; }

std::vector<Probe> probes() {
    using V = std::vector<long>;
    auto unlink_path = [](const char* p) { return [p](long) { ::unlink(p); }; };
    auto close_fd = [](long r) { ::close(static_cast<int>(r)); };
    std::vector<Probe> p = {
        // Mounting: needs CAP_SYS_ADMIN; targets do not exist, so an unconfined call says ENOENT.
        {"mount",
         {SYS_mount, 21},
         [](Abi) {
             return same({low(s_tmpfs), low(s_none), low(s_tmpfs), 0, 0});
         }},
        {"umount2",
         {SYS_umount2, 52},
         [](Abi) {
             return same({low(s_none), MNT_DETACH});
         }},
        {"pivot_root",
         {SYS_pivot_root, 217},
         [](Abi) {
             return same({low(s_none), low(s_none2)});
         }},
        {"fsopen",
         {SYS_fsopen, 430},
         [](Abi) {
             return same({low(s_tmpfs), 0});
         },
         nullptr,
         close_fd},
        {"fspick",
         {SYS_fspick, 433},
         [](Abi) {
             return same({AT_FDCWD, low(s_none), 0});
         }},
        {"fsmount",
         {SYS_fsmount, 432},
         [](Abi) {
             return same({-1, 0, 0});
         }},
        {"open_tree",
         {SYS_open_tree, 428},
         [](Abi) {
             return same({AT_FDCWD, low(s_root), 1 /* OPEN_TREE_CLONE */});
         },
         nullptr,
         close_fd},
        {"move_mount",
         {SYS_move_mount, 429},
         [](Abi) {
             return same({-1, low(s_empty), -1, low(s_empty), 0});
         }},
        {"mount_setattr",
         {SYS_mount_setattr, 442},
         [](Abi) {
             return same({-1, low(s_empty), 0, 0, 0});
         }},
        // Namespaces: a success happens in this throwaway child only.
        {"unshare(CLONE_NEWUSER)", {SYS_unshare, 310}, [](Abi) { return same({CLONE_NEWUSER}); }},
        {"unshare(CLONE_NEWNS)", {SYS_unshare, 310}, [](Abi) { return same({CLONE_NEWNS}); }},
        {"unshare(CLONE_NEWCGROUP)",
         {SYS_unshare, 310},
         [](Abi) { return same({CLONE_NEWCGROUP}); }},
        {"clone(CLONE_NEWUSER)",
         {SYS_clone, 120},
         [](Abi) {
             return same({CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0});
         },
         nullptr,
         nullptr,
         true},
        {"clone3(CLONE_NEWUSER)",
         {SYS_clone3, 435},
         [](Abi) {
             return same({low(&s_clone3), sizeof s_clone3});
         },
         [] {
             s_clone3.flags = CLONE_NEWUSER;
             s_clone3.exit_signal = SIGCHLD;
         },
         nullptr,
         true},
        {"setns",
         {SYS_setns, 346},
         [](Abi) {
             return same({-1, 0});
         }},
        // Kernel keyring (not namespaced).
        {"keyctl(GET_KEYRING_ID)",
         {SYS_keyctl, 288},
         [](Abi) {
             return same({0 /* KEYCTL_GET_KEYRING_ID */, -3 /* @s */, 0});
         }},
        {"keyctl(JOIN_SESSION_KEYRING)",
         {SYS_keyctl, 288},
         [](Abi) {
             return same({1, 0});
         }},
        {"add_key",
         {SYS_add_key, 286},
         [](Abi) {
             return same({low(s_user), low(s_keydesc), low(s_payload), 1, -2 /* @p */});
         }},
        {"request_key",
         {SYS_request_key, 287},
         [](Abi) {
             return same({low(s_user), low(s_nokey), 0, 0});
         }},
        // Kernel code and the kernel itself.
        {"init_module",
         {SYS_init_module, 128},
         [](Abi) {
             return same({low(s_buf), 0, low(s_empty)});
         }},
        {"finit_module",
         {SYS_finit_module, 350},
         [](Abi) {
             return same({-1, low(s_empty), 0});
         }},
        {"delete_module",
         {SYS_delete_module, 129},
         [](Abi) {
             return same({low(s_modname), O_NONBLOCK});
         }},
        {"kexec_load",
         {SYS_kexec_load, 283},
         [](Abi) {
             return same({0, 0, 0, 0x7fff0000 /* bad flags */});
         }},
        {"kexec_file_load",
         {SYS_kexec_file_load, -1},
         [](Abi) {
             return same({-1, -1, 0, 0, 0x7fff0000});
         }},
        {"reboot(bad_magic)",
         {SYS_reboot, 88},
         [](Abi) {
             return same({0, 0, 0, 0});
         }},
        // Host-wide resources.
        {"swapon",
         {SYS_swapon, 87},
         [](Abi) {
             return same({low(s_none), 0});
         }},
        {"swapoff", {SYS_swapoff, 115}, [](Abi) { return same({low(s_none)}); }},
        {"acct", {SYS_acct, 51}, [](Abi) { return same({low(s_none)}); }},
        {"iopl(3)", {SYS_iopl, 110}, [](Abi) { return same({3}); }},
        {"ioperm",
         {SYS_ioperm, 101},
         [](Abi) {
             return same({0x80, 1, 1});
         }},
        {"settimeofday",
         {SYS_settimeofday, 79},
         [](Abi a) {
             return a == Abi::I386 ? V{low(&s_tv32), 0} : V{low(&s_tv64), 0};
         }},
        {"clock_settime",
         {SYS_clock_settime, 264},
         [](Abi a) {
             return a == Abi::I386 ? V{CLOCK_REALTIME, low(&s_ts32)}
                                   : V{CLOCK_REALTIME, low(&s_ts64)};
         }},
        {"syslog(READ_ALL)",
         {SYS_syslog, 103},
         [](Abi) {
             return same({3, low(s_buf), sizeof s_buf});
         }},
        {"quotactl",
         {SYS_quotactl, 131},
         [](Abi) {
             return same({0, low(s_none), 0, 0});
         }},
        {"lookup_dcookie",
         {SYS_lookup_dcookie, 253},
         [](Abi) {
             return same({0, 0, 0});
         }},
        {"uselib", {SYS_uselib, 86}, [](Abi) { return same({low(s_none)}); }},
        {"personality(ADDR_NO_RANDOMIZE)",
         {SYS_personality, 136},
         [](Abi) { return same({ADDR_NO_RANDOMIZE}); }},
        // Attack surface.
        {"bpf",
         {SYS_bpf, 357},
         [](Abi) {
             return same({-1, 0, 0});
         }},
        {"perf_event_open",
         {SYS_perf_event_open, 336},
         [](Abi) {
             return same({0, 0, -1, -1, 0});
         }},
        {"userfaultfd",
         {SYS_userfaultfd, 374},
         [](Abi) { return same({O_CLOEXEC}); },
         nullptr,
         close_fd},
        {"io_uring_setup",
         {SYS_io_uring_setup, 425},
         [](Abi) {
             return same({0, 0});
         }},
        {"open_by_handle_at",
         {SYS_open_by_handle_at, 342},
         [](Abi) {
             return same({-1, 0, 0});
         }},
        {"socket(AF_ALG)",
         {SYS_socket, 359},
         [](Abi) {
             return same({AF_ALG, SOCK_SEQPACKET, 0});
         },
         nullptr,
         close_fd},
        {"socket(AF_VSOCK)",
         {SYS_socket, 359},
         [](Abi) {
             return same({AF_VSOCK, SOCK_STREAM, 0});
         },
         nullptr,
         close_fd},
        // The family compared on its low 32 bits: junk above must not slip through.
        {"socket(AF_VSOCK|1<<32)",
         {SYS_socket, -1},
         [](Abi) {
             return same({static_cast<long>((1UL << 32) | AF_VSOCK), SOCK_STREAM, 0});
         },
         nullptr,
         close_fd},
        // socketcall(SYS_SOCKET) hides the family behind a pointer seccomp cannot read: the
        // BPF LSM guard on the guest's cgroup refuses it (docs/security.md).
        {"socketcall(SOCKET,AF_VSOCK)",
         {-1, 102},
         [](Abi) {
             return same({1 /* SYS_SOCKET */, low(s_sockargs)});
         },
         [] {
             s_sockargs[0] = AF_VSOCK;
             s_sockargs[1] = SOCK_STREAM;
             s_sockargs[2] = 0;
         },
         close_fd},
        {"socketcall(SOCKET,AF_ALG)",
         {-1, 102},
         [](Abi) {
             return same({1 /* SYS_SOCKET */, low(s_sockargs)});
         },
         [] {
             s_sockargs[0] = AF_ALG;
             s_sockargs[1] = SOCK_SEQPACKET;
             s_sockargs[2] = 0;
         },
         close_fd},
        {"socket(AF_PACKET)",
         {SYS_socket, 359},
         [](Abi) {
             return same({AF_PACKET, SOCK_RAW, 0});
         },
         nullptr,
         close_fd},
        {"ioctl(TIOCSTI)",
         {SYS_ioctl, 54},
         [](Abi) {
             return same({-1, TIOCSTI, low(s_payload)});
         }},
        // Devices (CAP_MKNOD).
        {"mknod(blk,8:0)",
         {SYS_mknod, 14},
         [](Abi) {
             return same(
                 {low(s_blk), static_cast<long>(S_IFBLK | 0600), static_cast<long>(makedev(8, 0))});
         },
         nullptr,
         unlink_path(s_blk)},
        {"mknod(chr,1:1)",
         {SYS_mknod, 14},
         [](Abi) {
             return same(
                 {low(s_mem), static_cast<long>(S_IFCHR | 0600), static_cast<long>(makedev(1, 1))});
         },
         nullptr,
         unlink_path(s_mem)},
        {"mknod(chr,1:11)",
         {SYS_mknod, 14},
         [](Abi) {
             return same({low(s_kmsg), static_cast<long>(S_IFCHR | 0600),
                          static_cast<long>(makedev(1, 11))});
         },
         nullptr,
         unlink_path(s_kmsg)},
        // UTS: allowed by the filter, refused by the kernel without CAP_SYS_ADMIN.
        // The current name is set again, so even an allowed call changes nothing.
        {"sethostname",
         {SYS_sethostname, 74},
         [](Abi) {
             return same({low(s_hostname), static_cast<long>(std::strlen(s_hostname))});
         },
         [] {
             struct utsname u {};
             ::uname(&u);
             std::snprintf(s_hostname, sizeof s_hostname, "%s", u.nodename);
         }},
    };
    return p;
}

// Runs one probe in a forked child; "OK", an errno name, or "SIGNAL:<n>".
std::string run_probe(const Probe& p, Abi abi) {
    long nr = abi == Abi::I386 ? p.nr.i386 : p.nr.x86_64;
    if (nr < 0) return "";
    if (abi == Abi::X32) nr |= kX32Bit;
    int pfd[2];
    if (::pipe(pfd) < 0) return "PIPE:" + errname(errno);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return "FORK:" + errname(errno);
    if (pid == 0) {
        ::close(pfd[0]);
        if (p.prepare) p.prepare();
        auto a = p.args(abi);
        a.resize(5, 0);
        long r = abi == Abi::I386 ? raw_syscall32(nr, a[0], a[1], a[2], a[3], a[4])
                                  : raw_syscall64(nr, a[0], a[1], a[2], a[3], a[4]);
        if (p.forks && r == 0) ::_exit(0);  // the clone's new child
        if (p.forks && r > 0) ::waitpid(static_cast<pid_t>(r), nullptr, __WALL);
        int e = r < 0 && r > -4096 ? static_cast<int>(-r) : 0;
        if (e == 0 && p.cleanup) p.cleanup(r);
        (void)!::write(pfd[1], &e, sizeof e);
        ::_exit(0);
    }
    ::close(pfd[1]);
    int e = -1;
    ssize_t n = ::read(pfd[0], &e, sizeof e);
    ::close(pfd[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (n != sizeof e) {
        if (WIFSIGNALED(st)) return "SIGNAL:" + std::to_string(WTERMSIG(st));
        return "LOST";
    }
    return errname(e);
}

struct SweepRow {
    std::string abi, name, result;
};

std::vector<SweepRow> sweep() {
    std::vector<SweepRow> rows;
    for (Abi abi : {Abi::Native, Abi::I386, Abi::X32})
        for (auto& p : probes()) {
            auto r = run_probe(p, abi);
            if (!r.empty()) rows.push_back({abi_name(abi), p.name, r});
        }
    return rows;
}

std::string sweep_json() {
    std::string o = "[";
    bool first = true;
    for (auto& r : sweep()) {
        o += (first ? "" : ",") + std::string("{\"abi\":") + jstr(r.abi) +
             ",\"name\":" + jstr(r.name) + ",\"result\":" + jstr(r.result) + "}";
        first = false;
    }
    return o + "]";
}

// ---- file probes ---------------------------------------------------------------------------

std::string read_json(const std::string& path) {
    std::string o = "{\"path\":" + jstr(path);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return o + ",\"error\":" + jstr(errname(errno)) + "}";
    struct stat st {};
    ::fstat(fd, &st);
    std::string kind = S_ISDIR(st.st_mode)   ? "dir"
                       : S_ISREG(st.st_mode) ? "file"
                       : S_ISCHR(st.st_mode) ? "char"
                                             : "other";
    o += ",\"type\":" + jstr(kind);
    if (S_ISCHR(st.st_mode))
        o += ",\"rdev\":" +
             jstr(std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev)));
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        DIR* d = ::opendir(path.c_str());
        long n = 0;
        while (d && ::readdir(d)) ++n;
        if (d) ::closedir(d);
        return o + ",\"entries\":" + std::to_string(n - 2) + "}";
    }
    // Capped: an unmasked /proc/kcore is the size of the address space.
    static char buf[65536];
    long total = 0;
    int err = 0;
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            err = errno;
            break;
        }
        if (n == 0) break;
        total += n;
        if (total >= (1L << 20)) break;
    }
    ::close(fd);
    o += ",\"bytes\":" + std::to_string(total);
    if (err) o += ",\"error\":" + jstr(errname(err));
    return o + "}";
}

int cmd_write(const std::string& path, const std::string& data) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        std::printf("%s\n", errname(errno).c_str());
        return 1;
    }
    ssize_t n = ::write(fd, data.data(), data.size());
    int e = n < 0 ? errno : 0;
    ::close(fd);
    std::printf("%s\n", errname(e).c_str());
    return e == 0 && n == static_cast<ssize_t>(data.size()) ? 0 : 1;
}

// ---- escapes -------------------------------------------------------------------------------

std::string dev_ino(const char* p) {
    struct stat st {};
    if (::stat(p, &st) < 0) return "<" + errname(errno) + ">";
    return std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) + ":" +
           std::to_string(st.st_ino);
}

// mkdir d; chroot d; cd ../../..; chroot .  -- then: is any host-only MARKER visible?
// Also fchdir() through every directory fd that was inherited, then chroot(".").
int cmd_chroot_escape(const std::vector<std::string>& markers) {
    std::string before = dev_ino("/");
    // Inherited directory fds are collected first: they are the other classic way out.
    std::vector<int> dirfds;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        int self = ::dirfd(d);
        while (auto* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            int fd = std::atoi(e->d_name);
            struct stat st {};
            if (fd != self && ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) dirfds.push_back(fd);
        }
        ::closedir(d);
    }
    std::string o = "{\"root_before\":" + jstr(before);
    ::mkdir("/tmp/.vs-probe-jail", 0700);
    int r1 = ::chroot("/tmp/.vs-probe-jail");
    int e1 = r1 < 0 ? errno : 0;
    o += ",\"chroot_jail\":" + jstr(errname(e1));
    for (int i = 0; i < 64; ++i) (void)!::chdir("..");
    int r2 = ::chroot(".");
    int e2 = r2 < 0 ? errno : 0;
    o += ",\"chroot_dot\":" + jstr(errname(e2));
    (void)!::chdir("/");
    std::string after = dev_ino("/");
    o += ",\"root_after\":" + jstr(after);
    bool visible = false;
    o += ",\"markers\":{";
    for (size_t i = 0; i < markers.size(); ++i) {
        bool v = ::access(markers[i].c_str(), F_OK) == 0;
        visible |= v;
        o += (i ? "," : "") + jstr(markers[i]) + ":" + (v ? "true" : "false");
    }
    o += "}";
    o += ",\"inherited_dir_fds\":" + std::to_string(dirfds.size());
    for (int fd : dirfds) {
        if (::fchdir(fd) == 0) {
            for (int i = 0; i < 64; ++i) (void)!::chdir("..");
            (void)!::chroot(".");
            for (auto& m : markers) visible |= ::access(m.c_str(), F_OK) == 0;
        }
    }
    o += ",\"escaped\":" + std::string(visible ? "true" : "false") + "}";
    std::printf("%s\n", o.c_str());
    ::rmdir("/tmp/.vs-probe-jail");
    return visible ? 1 : 0;
}

// "shocker": open_by_handle_at with the handle of the guest root, and a forged ext4/xfs handle
// of inode 2 (the filesystem's root directory, outside the guest root).
int cmd_shocker() {
    std::string o = "{";
    int mount_id = 0;
    s_handle.handle_bytes = sizeof s_handle.f_handle;
    int r = ::syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &s_handle, &mount_id, 0);
    o += "\"name_to_handle_at\":" + jstr(errname(r < 0 ? errno : 0));
    int rootfd = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r == 0) {
        int fd = static_cast<int>(::syscall(SYS_open_by_handle_at, rootfd, &s_handle, O_RDONLY));
        o += ",\"open_own_root\":" + jstr(errname(fd < 0 ? errno : 0));
        if (fd >= 0) ::close(fd);
    }
    // FILEID_INO32_GEN (1): {ino, generation}; inode 2 is the root of ext4 and many others.
    s_handle.handle_bytes = 8;
    s_handle.handle_type = 1;
    uint32_t ino_gen[2] = {2, 0};
    std::memcpy(s_handle.f_handle, ino_gen, sizeof ino_gen);
    int fd = static_cast<int>(::syscall(SYS_open_by_handle_at, rootfd, &s_handle, O_RDONLY));
    int e = fd < 0 ? errno : 0;
    o += ",\"open_inode2\":" + jstr(errname(e));
    if (fd >= 0) ::close(fd);
    ::close(rootfd);
    std::printf("%s}\n", o.c_str());
    return 0;
}

int usage() {
    std::fprintf(stderr,
                 "usage: vs-probe [all|status|fds [PID]|mounts|syscalls [--text]|read PATH...|"
                 "write PATH DATA|chroot-escape MARKER...|shocker|COMMAND ARGS...]\n"
                 "COMMAND (hostile.cpp):\n%s",
                 vsprobe::kHostileUsage);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string cmd = args.empty() ? "all" : args[0];
    if (cmd == "all") {
        std::printf("{\"status\":%s,\"cgroup\":%s,\"mounts\":%s,\"fds\":%s,\"syscalls\":%s}\n",
                    status_json().c_str(), cgroup_json().c_str(), mounts_json().c_str(),
                    fds_json("self").c_str(), sweep_json().c_str());
        return 0;
    }
    if (cmd == "status") return std::printf("%s\n", status_json().c_str()) < 0;
    if (cmd == "mounts") return std::printf("%s\n", mounts_json().c_str()) < 0;
    if (cmd == "fds")
        return std::printf("%s\n", fds_json(args.size() > 1 ? args[1] : "self").c_str()) < 0;
    if (cmd == "syscalls") {
        if (args.size() > 1 && args[1] == "--text") {
            for (auto& r : sweep())
                std::printf("%s %s %s\n", r.abi.c_str(), r.name.c_str(), r.result.c_str());
            return 0;
        }
        return std::printf("%s\n", sweep_json().c_str()) < 0;
    }
    if (cmd == "read" && args.size() > 1) {
        std::string o = "[";
        for (size_t i = 1; i < args.size(); ++i) o += (i > 1 ? "," : "") + read_json(args[i]);
        std::printf("%s]\n", o.c_str());
        return 0;
    }
    if (cmd == "write" && args.size() == 3) return cmd_write(args[1], args[2]);
    if (cmd == "chroot-escape") return cmd_chroot_escape({args.begin() + 1, args.end()});
    if (cmd == "shocker") return cmd_shocker();
    using Cmd = int (*)(const std::vector<std::string>&);
    static const std::pair<const char*, Cmd> kHostile[] = {
        {"ptrace-watch", vsprobe::cmd_ptrace_watch},
        {"stop-watch", vsprobe::cmd_stop_watch},
        {"exchange-loop", vsprobe::cmd_exchange_loop},
        {"tty-inject", vsprobe::cmd_tty_inject},
        {"unix-connect", vsprobe::cmd_unix_connect},
        {"unix-listen", vsprobe::cmd_unix_listen},
        {"ipc-make", vsprobe::cmd_ipc_make},
        {"ipc-find", vsprobe::cmd_ipc_find},
        {"inotify-hog", vsprobe::cmd_inotify_hog},
        {"fd-hog", vsprobe::cmd_fd_hog},
        {"net-forge", vsprobe::cmd_net_forge},
        {"udp-send", vsprobe::cmd_udp_send},
        {"sniff", vsprobe::cmd_sniff}};
    for (auto& [name, fn] : kHostile)
        if (cmd == name) return fn({args.begin() + 1, args.end()});
    return usage();
}
