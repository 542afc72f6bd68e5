// seccomp: the default profile's per-syscall decisions (allow-list, denials, capability gates).
#include "seccomp/syscall_table.hpp"

#include <linux/capability.h>

#include <map>
#include <string>

namespace vs::seccomp {

namespace {

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }

// Allowed for every guest. Grouped by what they touch; every name was reviewed against
// syscalls(2). Each is either confined by a namespace the guest has (pid, mount, uts, ipc, net,
// cgroup) or checked by the kernel against capabilities the bounding set controls.
// i386-only and x32-only spellings are included: the filter is installed for all three ABIs.
constexpr std::string_view kAllowed[] = {
    // files and directories
    "read write open close creat openat openat2 lseek _llseek pread64 pwrite64 readv writev "
    "preadv pwritev preadv2 pwritev2 sendfile sendfile64 splice tee vmsplice copy_file_range "
    "stat fstat lstat newfstatat statx stat64 fstat64 lstat64 fstatat64 oldstat oldfstat oldlstat "
    "statfs fstatfs statfs64 fstatfs64 access faccessat faccessat2 "
    "truncate ftruncate truncate64 ftruncate64 fallocate fadvise64 fadvise64_64 readahead "
    "fsync fdatasync sync syncfs sync_file_range "
    "getdents getdents64 readdir getcwd chdir fchdir mkdir mkdirat rmdir rename renameat renameat2 "
    "link linkat unlink unlinkat symlink symlinkat readlink readlinkat "
    "chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat chown32 fchown32 lchown32 "
    "umask utime utimes futimesat utimensat utimensat_time64 mknod mknodat "
    "setxattr lsetxattr fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr "
    "removexattr lremovexattr fremovexattr setxattrat getxattrat listxattrat removexattrat "
    "file_getattr file_setattr name_to_handle_at flock fcntl fcntl64 dup dup2 dup3 close_range "
    "pipe pipe2 memfd_create memfd_secret ioprio_get ioprio_set getrandom "
    "inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark "
    "io_setup io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_submit io_cancel "
    "statmount listmount cachestat",
    // memory
    "brk mmap mmap2 munmap mremap mprotect msync mincore madvise mlock mlock2 munlock mlockall "
    "munlockall remap_file_pages pkey_alloc pkey_free pkey_mprotect membarrier mseal "
    "map_shadow_stack",
    // processes, threads, signals
    "fork vfork execve execveat exit exit_group wait4 waitid waitpid kill tkill tgkill "
    "getpid getppid gettid getpgid setpgid getpgrp getsid setsid set_tid_address "
    "set_robust_list get_robust_list futex futex_time64 futex_waitv futex_wake futex_wait "
    "futex_requeue rseq restart_syscall pause nanosleep clock_nanosleep clock_nanosleep_time64 "
    "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait rt_sigtimedwait_time64 "
    "rt_sigqueueinfo rt_tgsigqueueinfo rt_sigsuspend sigaltstack sigaction signal sigpending "
    "sigprocmask sigreturn sigsuspend sgetmask ssetmask signalfd signalfd4 "
    "pidfd_open pidfd_send_signal process_mrelease ptrace process_vm_readv process_vm_writev "
    "prctl arch_prctl set_thread_area get_thread_area modify_ldt seccomp "
    "landlock_create_ruleset landlock_add_rule landlock_restrict_self "
    "lsm_get_self_attr lsm_set_self_attr lsm_list_modules "
    "sched_yield sched_setparam sched_getparam sched_setscheduler sched_getscheduler "
    "sched_get_priority_max sched_get_priority_min sched_rr_get_interval "
    "sched_rr_get_interval_time64 sched_setaffinity sched_getaffinity sched_setattr "
    "sched_getattr getpriority setpriority nice getcpu",
    // credentials, limits, accounting
    "getuid geteuid getgid getegid getuid32 geteuid32 getgid32 getegid32 setuid setgid setuid32 "
    "setgid32 setreuid setregid setreuid32 setregid32 setresuid setresgid setresuid32 setresgid32 "
    "getresuid getresgid getresuid32 getresgid32 setfsuid setfsgid setfsuid32 setfsgid32 "
    "getgroups setgroups getgroups32 setgroups32 capget capset getrlimit setrlimit ugetrlimit "
    "prlimit64 getrusage times sysinfo uname olduname oldolduname sethostname setdomainname",
    // time (reading it; setting it is gated on CAP_SYS_TIME below)
    "time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 "
    "adjtimex clock_adjtime clock_adjtime64 alarm getitimer setitimer "
    "timer_create timer_settime timer_settime64 timer_gettime timer_gettime64 timer_getoverrun "
    "timer_delete timerfd_create timerfd_settime timerfd_settime64 timerfd_gettime "
    "timerfd_gettime64",
    // polling and events
    "poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 epoll_create "
    "epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2 epoll_ctl_old epoll_wait_old "
    "eventfd eventfd2",
    // sockets (socket itself has an argument filter); socketcall is the i386 multiplexer
    "socketpair connect accept accept4 bind listen getsockname getpeername sendto recvfrom "
    "sendmsg recvmsg sendmmsg recvmmsg recvmmsg_time64 shutdown setsockopt getsockopt socketcall",
    // System V and POSIX IPC (the guest has its own ipc namespace)
    "shmget shmat shmdt shmctl semget semop semtimedop semtimedop_time64 semctl msgget msgsnd "
    "msgrcv msgctl ipc mq_open mq_unlink mq_timedsend mq_timedsend_time64 mq_timedreceive "
    "mq_timedreceive_time64 mq_notify mq_getsetattr",
};

#define WHY_SYS_ADMIN "needs CAP_SYS_ADMIN, which the default guest lacks; belt and braces"

const std::vector<SyscallRule>& build() {
    static std::vector<SyscallRule> rules = [] {
        std::vector<SyscallRule> r = {
            // --- always denied -------------------------------------------------------------
            {"kexec_load", Treatment::Deny, 0,
             "loads a kernel (or a crash kernel run on the next panic) for the whole host"},
            {"kexec_file_load", Treatment::Deny, 0, "as kexec_load"},
            {"open_by_handle_at", Treatment::Deny, 0,
             "\"shocker\" (CVE-2014-3519): with CAP_DAC_READ_SEARCH, which util-vserver's "
             "default set has, it opens any inode of the filesystem by handle, outside the "
             "guest root"},
            {"userfaultfd", Treatment::Deny, 0,
             "pauses kernel page faults: the standard way to win kernel race conditions"},
            {"keyctl", Treatment::Deny, 0,
             "the kernel keyring is not namespaced: guest root would share the host root's "
             "user and session keyrings"},
            {"add_key", Treatment::Deny, 0, "as keyctl"},
            {"request_key", Treatment::Deny, 0, "as keyctl"},
            {"swapon", Treatment::Deny, 0, "host-wide swap configuration"},
            {"swapoff", Treatment::Deny, 0, "host-wide swap configuration"},
            {"io_uring_setup", Treatment::Deny, 0,
             "large kernel attack surface that bypasses per-syscall filtering; Docker and "
             "Google disable it"},
            {"io_uring_enter", Treatment::Deny, 0, "as io_uring_setup"},
            {"io_uring_register", Treatment::Deny, 0, "as io_uring_setup"},
            {"lookup_dcookie", Treatment::Deny, 0,
             "host-wide profiling interface (removed in 6.x)"},
            {"uselib", Treatment::Deny, 0, "obsolete a.out loader"},
            {"_sysctl", Treatment::Deny, 0, "obsolete; sysctls go through the read-only /proc/sys"},
            {"sysfs", Treatment::Deny, 0, "obsolete filesystem-type query"},
            {"ustat", Treatment::Deny, 0, "obsolete; leaks host device numbers"},
            {"bdflush", Treatment::Deny, 0, "obsolete host-wide knob"},
            {"vm86", Treatment::Deny, 0, "i386 virtual-8086 mode; not usable from compat mode"},
            {"vm86old", Treatment::Deny, 0, "as vm86"},
            {"create_module", Treatment::Deny, 0, "obsolete module call"},
            {"get_kernel_syms", Treatment::Deny, 0, "obsolete module call"},
            {"query_module", Treatment::Deny, 0, "obsolete module call"},
            {"nfsservctl", Treatment::Deny, 0, "removed NFS server control"},
            {"vserver", Treatment::Deny, 0, "the old Linux-VServer patch's entry point; unused"},
            {"afs_syscall", Treatment::Deny, 0, "never implemented"},
            {"tuxcall", Treatment::Deny, 0, "never implemented"},
            {"security", Treatment::Deny, 0, "never implemented"},
            {"getpmsg", Treatment::Deny, 0, "never implemented"},
            {"putpmsg", Treatment::Deny, 0, "never implemented"},
            {"break", Treatment::Deny, 0, "never implemented (i386)"},
            {"ftime", Treatment::Deny, 0, "never implemented (i386)"},
            {"gtty", Treatment::Deny, 0, "never implemented (i386)"},
            {"stty", Treatment::Deny, 0, "never implemented (i386)"},
            {"idle", Treatment::Deny, 0, "never implemented (i386)"},
            {"lock", Treatment::Deny, 0, "never implemented (i386)"},
            {"mpx", Treatment::Deny, 0, "never implemented (i386)"},
            {"prof", Treatment::Deny, 0, "never implemented (i386)"},
            {"profil", Treatment::Deny, 0, "never implemented (i386)"},
            {"ulimit", Treatment::Deny, 0, "never implemented (i386)"},
            {"uretprobe", Treatment::Deny, 0, "only the kernel's uretprobe trampoline calls it"},

            // --- allowed only with the capability that makes them do anything ----------------
            {"mount", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"umount", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"umount2", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"pivot_root", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"fsopen", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"fsconfig", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"fsmount", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"fspick", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"open_tree", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"open_tree_attr", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"move_mount", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"mount_setattr", Treatment::CapGated, bit(CAP_SYS_ADMIN), WHY_SYS_ADMIN},
            {"quotactl", Treatment::CapGated, bit(CAP_SYS_ADMIN), "host filesystem quotas"},
            {"quotactl_fd", Treatment::CapGated, bit(CAP_SYS_ADMIN), "as quotactl"},
            {"fanotify_init", Treatment::CapGated, bit(CAP_SYS_ADMIN),
             "filesystem-wide event monitoring"},
            {"bpf", Treatment::CapGated, bit(CAP_SYS_ADMIN) | bit(CAP_BPF),
             "eBPF programs run in the host kernel"},
            {"perf_event_open", Treatment::CapGated, bit(CAP_SYS_ADMIN) | bit(CAP_PERFMON),
             "host-wide performance counters; a frequent kernel bug source"},
            {"init_module", Treatment::CapGated, bit(CAP_SYS_MODULE),
             "loads code into the host kernel"},
            {"finit_module", Treatment::CapGated, bit(CAP_SYS_MODULE), "as init_module"},
            {"delete_module", Treatment::CapGated, bit(CAP_SYS_MODULE),
             "unloads host kernel modules"},
            {"reboot", Treatment::CapGated, bit(CAP_SYS_BOOT),
             "inside the guest's pid namespace it only ends the guest's init "
             "(pid_namespaces(7)): a guest \"reboot\" or \"halt\""},
            {"acct", Treatment::CapGated, bit(CAP_SYS_PACCT), "host-wide process accounting"},
            {"iopl", Treatment::CapGated, bit(CAP_SYS_RAWIO), "raw I/O port access"},
            {"ioperm", Treatment::CapGated, bit(CAP_SYS_RAWIO), "raw I/O port access"},
            {"settimeofday", Treatment::CapGated, bit(CAP_SYS_TIME), "sets the host clock"},
            {"stime", Treatment::CapGated, bit(CAP_SYS_TIME), "sets the host clock (i386)"},
            {"clock_settime", Treatment::CapGated, bit(CAP_SYS_TIME), "sets the host clock"},
            {"clock_settime64", Treatment::CapGated, bit(CAP_SYS_TIME),
             "sets the host clock (i386)"},
            {"syslog", Treatment::CapGated, bit(CAP_SYSLOG) | bit(CAP_SYS_ADMIN),
             "reads or clears the host kernel log (ccap \"syslog\" also unlocks it)"},
            {"vhangup", Treatment::CapGated, bit(CAP_SYS_TTY_CONFIG), "hangs up the terminal"},
            {"chroot", Treatment::CapGated, bit(CAP_SYS_CHROOT), "needs CAP_SYS_CHROOT"},
            {"kcmp", Treatment::CapGated, bit(CAP_SYS_PTRACE),
             "compares other processes' kernel objects"},
            {"pidfd_getfd", Treatment::CapGated, bit(CAP_SYS_PTRACE),
             "takes a file descriptor out of another process"},
            {"process_madvise", Treatment::CapGated, bit(CAP_SYS_PTRACE),
             "acts on another process's memory"},
            {"get_mempolicy", Treatment::CapGated, bit(CAP_SYS_NICE), "NUMA placement"},
            {"set_mempolicy", Treatment::CapGated, bit(CAP_SYS_NICE), "NUMA placement"},
            {"set_mempolicy_home_node", Treatment::CapGated, bit(CAP_SYS_NICE), "NUMA placement"},
            {"mbind", Treatment::CapGated, bit(CAP_SYS_NICE), "NUMA placement"},
            {"migrate_pages", Treatment::CapGated, bit(CAP_SYS_NICE),
             "moves other processes' memory between NUMA nodes"},
            {"move_pages", Treatment::CapGated, bit(CAP_SYS_NICE), "as migrate_pages"},

            // --- namespaces: only for guests that nest containers ----------------------------
            {"setns", Treatment::Nesting, 0,
             "joins namespaces; user namespaces expose kernel code that needs CAP_SYS_ADMIN "
             "elsewhere (CVE-2022-0185, CVE-2022-0492)"},
            {"unshare", Treatment::ArgFilter, 0,
             "allowed without CLONE_NEW* flags; namespace creation needs nesting"},
            {"clone", Treatment::ArgFilter, 0,
             "allowed without CLONE_NEW* flags; namespace creation needs nesting"},
            {"clone3", Treatment::ArgFilter, 0,
             "ENOSYS without nesting: its flags sit behind a pointer seccomp cannot read, and "
             "libc then falls back to clone"},

            // --- argument filters --------------------------------------------------------------
            {"socket", Treatment::ArgFilter, 0,
             "AF_ALG and AF_VSOCK (and unknown families) fail with EAFNOSUPPORT: rarely needed, "
             "they autoload kernel modules with a history of exploits"},
            {"ioctl", Treatment::ArgFilter, 0,
             "TIOCSTI and TIOCLINUX fail with EPERM: they inject input into a terminal the guest "
             "may share with the host (CVE-2017-5226); ccap \"tiocsti\" lifts it"},
            {"personality", Treatment::ArgFilter, 0,
             "only PER_LINUX, PER_LINUX32, UNAME26 and the query: no ADDR_NO_RANDOMIZE or "
             "READ_IMPLIES_EXEC"},
        };
        r.reserve(r.size() + 400);  // the ~380 allowed names below: no regrowth on every start
        for (std::string_view group : kAllowed) {
            size_t pos = 0;
            while (pos < group.size()) {
                size_t end = group.find(' ', pos);
                if (end == std::string_view::npos) end = group.size();
                if (end > pos) r.push_back({group.substr(pos, end - pos), Treatment::Allow, 0, ""});
                pos = end + 1;
            }
        }
        return r;
    }();
    return rules;
}

}  // namespace

const std::vector<SyscallRule>& syscall_rules() { return build(); }

const SyscallRule* find_rule(std::string_view name) {
    static const std::map<std::string_view, const SyscallRule*> index = [] {
        std::map<std::string_view, const SyscallRule*> m;
        for (const auto& r : syscall_rules()) m.emplace(r.name, &r);
        return m;
    }();
    auto it = index.find(name);
    return it == index.end() ? nullptr : it->second;
}

}  // namespace vs::seccomp
