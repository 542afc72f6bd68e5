// Socket families a guest may not create, refused on every system call ABI: a BPF LSM program
// attached to the guest's cgroup2 node (BPF_LSM_CGROUP, Linux 6.0+, "bpf" in the active LSM
// list). The guest's seccomp filter refuses the same families by socket(2)'s argument, but the
// i386 socketcall(SYS_SOCKET, args) passes them through a pointer seccomp cannot read; the
// socket_create hook sees the family whatever entry point led there, and before the kernel
// would autoload the family's module (net/socket.c __sock_create).
//
// Loaded and attached by src/lsm/socket_guard.cpp. The list mirrors kDeniedFamilies and
// kFirstUnknownFamily in src/seccomp/profile.cpp, and so does the errno (EAFNOSUPPORT, what a
// kernel without the family answers): the guest sees one behaviour on every ABI.
//
// Built with: clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu (no <sys/socket.h>).
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>

#define AF_ALG_ 38
#define AF_VSOCK_ 40
#define AF_FIRST_UNKNOWN_ 46  // AF_MAX of Linux 6.x: AF_MCTP (45) + 1

// int socket_create(int family, int type, int protocol, int kern): an lsm_cgroup program gets
// the hook's arguments as an array of u64. It answers 1 (allow) or 0 (deny); a deny's errno is
// EPERM unless bpf_set_retval() chose another.
SEC("lsm_cgroup/socket_create")
int vs_sock_guard(unsigned long long *ctx) {
    unsigned int family = (unsigned int)ctx[0];
    int kern = (int)ctx[3];
    // Sockets the kernel makes for itself (kern = 1: e.g. a filesystem's or a tunnel's
    // transport) are not the guest's request.
    if (kern) return 1;
    if (family == AF_ALG_ || family == AF_VSOCK_ || family >= AF_FIRST_UNKNOWN_) {
        bpf_set_retval(-EAFNOSUPPORT);
        return 0;
    }
    return 1;
}

// Attached to the guests' shared parent cgroup, which stays between guests: it allows every
// socket and only keeps the kernel's shim for this hook alive. The first lsm_cgroup program on a
// hook makes the kernel build a BPF trampoline and patch the hook's code, and the last one
// leaving tears it down again; with the anchor in place a guest's start and stop do neither.
SEC("lsm_cgroup/socket_create")
int vs_sock_anchor(unsigned long long *ctx) { return 1; }

// The kernel loads LSM programs only under a GPL-compatible license.
char _license[] SEC("license") = "GPL";
