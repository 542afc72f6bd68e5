// vs-init's whole runtime: raw Linux system calls and the few string helpers it needs, so the
// binary links without any libc (-nostdlib). It is copied into a sealed memfd and exec'd for
// every guest start and every exec/enter, so its size is paid on each of them: a static glibc
// binary is ~700 KB, this one a few KB.
#pragma once

#include <asm/unistd.h>
#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

namespace vsinit {

#if defined(__x86_64__)
inline long syscall6(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0,
                     long f = 0) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
inline long syscall6(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0,
                     long f = 0) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#else
#error "vs-init: raw system calls are written for x86_64 and aarch64 only"
#endif

// Every wrapper returns the kernel's value: >= 0, or -errno.
inline long sys_write(int fd, const void* p, size_t n) {
    return syscall6(__NR_write, fd, (long)p, (long)n);
}
inline long sys_read(int fd, void* p, size_t n) {
    return syscall6(__NR_read, fd, (long)p, (long)n);
}
inline long sys_close(int fd) { return syscall6(__NR_close, fd); }
inline long sys_close_range(unsigned lo, unsigned hi) {
    return syscall6(__NR_close_range, lo, hi, 0);
}
inline long sys_fcntl(int fd, int cmd, long arg) { return syscall6(__NR_fcntl, fd, cmd, arg); }
inline long sys_mmap(size_t len, int prot, int flags, int fd) {
    return syscall6(__NR_mmap, 0, (long)len, prot, flags, fd, 0);
}
inline long sys_madvise(void* p, size_t len, int advice) {
    return syscall6(__NR_madvise, (long)p, (long)len, advice);
}
inline long sys_ioctl(int fd, unsigned long req, long arg) {
    return syscall6(__NR_ioctl, fd, (long)req, arg);
}
inline long sys_setsid() { return syscall6(__NR_setsid); }
inline long sys_getpid() { return syscall6(__NR_getpid); }
inline long sys_kill(int pid, int sig) { return syscall6(__NR_kill, pid, sig); }
inline long sys_execve(const char* path, char* const* argv, char* const* envp) {
    return syscall6(__NR_execve, (long)path, (long)argv, (long)envp);
}
inline long sys_wait4(int pid, int* status, int options) {
    return syscall6(__NR_wait4, pid, (long)status, options, 0);
}
inline long sys_sendto(int fd, const void* p, size_t n, int flags) {
    return syscall6(__NR_sendto, fd, (long)p, (long)n, flags, 0, 0);
}
inline long sys_recv(int fd, void* p, size_t n) {
    return syscall6(__NR_recvfrom, fd, (long)p, (long)n, 0, 0, 0);
}
inline long sys_recvfrom(int fd, void* p, size_t n, int flags) {
    return syscall6(__NR_recvfrom, fd, (long)p, (long)n, flags, 0, 0);
}
// ppoll without timeout and without a signal mask change (signals stay blocked; a signalfd
// among the fds reports them).
inline long sys_ppoll(void* fds, unsigned n) { return syscall6(__NR_ppoll, (long)fds, n, 0, 0, 8); }
inline long sys_signalfd4(int fd, const uint64_t* set, int flags) {
    return syscall6(__NR_signalfd4, fd, (long)set, 8, flags);
}
inline long sys_sendmsg(int fd, const void* msg, int flags) {
    return syscall6(__NR_sendmsg, fd, (long)msg, flags);
}
inline long sys_prctl(int op, long a = 0, long b = 0, long c = 0, long d = 0) {
    return syscall6(__NR_prctl, op, a, b, c, d);
}
inline long sys_setns(int fd, long type) { return syscall6(__NR_setns, fd, type); }
inline long sys_fchdir(int fd) { return syscall6(__NR_fchdir, fd); }
inline long sys_chdir(const char* p) { return syscall6(__NR_chdir, (long)p); }
inline long sys_chroot(const char* p) { return syscall6(__NR_chroot, (long)p); }
inline long sys_openat(int dir, const char* p, int flags) {
    return syscall6(__NR_openat, dir, (long)p, flags, 0);
}
inline long sys_dup3(int from, int to, int flags) { return syscall6(__NR_dup3, from, to, flags); }
inline long sys_prlimit(int resource, const void* lim) {
    return syscall6(__NR_prlimit64, 0, resource, (long)lim, 0);
}
inline long sys_seccomp_filter(const void* prog) {
    return syscall6(__NR_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, (long)prog);
}
inline long sys_capget(void* hdr, void* data) {
    return syscall6(__NR_capget, (long)hdr, (long)data);
}
inline long sys_capset(void* hdr, const void* data) {
    return syscall6(__NR_capset, (long)hdr, (long)data);
}
inline long sys_setgroups(size_t n, const uint32_t* g) {
    return syscall6(__NR_setgroups, (long)n, (long)g);
}
inline long sys_setresgid(uint32_t r, uint32_t e, uint32_t s) {
    return syscall6(__NR_setresgid, r, e, s);
}
inline long sys_setresuid(uint32_t r, uint32_t e, uint32_t s) {
    return syscall6(__NR_setresuid, r, e, s);
}
// The kernel's sigset_t is 64 bits on both architectures (_NSIG 64).
inline long sys_sigprocmask(int how, const uint64_t* set, uint64_t* old) {
    return syscall6(__NR_rt_sigprocmask, how, (long)set, (long)old, 8);
}
inline long sys_sigtimedwait(const uint64_t* set) {
    char info[128];  // siginfo_t; the signal number is also the return value
    return syscall6(__NR_rt_sigtimedwait, (long)set, (long)info, 0, 8);
}
inline long sys_ppoll_timeout(void* fds, unsigned n, const void* ts) {
    return syscall6(__NR_ppoll, (long)fds, n, (long)ts, 0, 8);
}
inline long sys_pipe2(int* fds, int flags) { return syscall6(__NR_pipe2, (long)fds, flags); }
inline long sys_pread(int fd, void* p, size_t n, long off) {
    return syscall6(__NR_pread64, fd, (long)p, (long)n, off);
}
inline long sys_setpgid(int pid, int pgid) { return syscall6(__NR_setpgid, pid, pgid); }
inline long sys_pidfd_open(int pid) { return syscall6(__NR_pidfd_open, pid, 0); }
// rt_sigaction with a handler of SIG_DFL or SIG_IGN only (no restorer is needed for those).
inline long sys_signal_disposition(int sig, unsigned long handler) {
    struct {
        unsigned long handler, flags, restorer;
        uint64_t mask;
    } act{handler, 0, 0, 0};
    return syscall6(__NR_rt_sigaction, sig, (long)&act, 0, 8);
}
// fork-like clone: no new stack, the child returns here with 0 on a copy of ours.
// (The other clone arguments differ in order between x86_64 and aarch64; all are 0 here.)
inline long sys_fork_like(unsigned long flags) { return syscall6(__NR_clone, (long)flags); }
// The same with CLONE_PARENT_SETTID: the kernel stores the child's pid at `ptid` in our memory
// before either process runs on (parent_tid is the third argument on both architectures).
inline long sys_fork_like_settid(unsigned long flags, int* ptid) {
    return syscall6(__NR_clone, (long)flags, 0, (long)ptid);
}
[[noreturn]] inline void sys_exit(int code) {
    for (;;) syscall6(__NR_exit_group, code);
}

size_t str_len(const char* s);
bool str_eq(const char* a, const char* b);
bool str_starts(const char* s, const char* prefix);
const char* str_chr(const char* s, char c);
void mem_copy(void* dst, const void* src, size_t n);
int parse_int(const char* s);

/// A small line builder for error messages (no printf here).
struct Text {
    char buf[1024];
    size_t len = 0;
    Text& add(const char* s);
    Text& add_int(long v);
    Text& add_errno(int err);  ///< "No such file or directory" for the usual exec errors
    const char* c_str();
};

/// "vs-init: TEXT\n" on fd 2.
void say(Text& t);

}  // namespace vsinit
