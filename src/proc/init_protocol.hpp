// The wire protocol between `vserver` and `vs-init` (tools/vs-init): the sync channel's message
// numbers and header, the exec/enter plan, the size limits both ends size their buffers by, and
// the exit-status record of `vs-init --output`. Both sides include this one header, so a change
// to the protocol is a change to both. <stdint.h>/<stddef.h> only: vs-init has no libc.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace vs::proc::init_protocol {

/// Message numbers on the SOCK_SEQPACKET sync channel (one message per packet).
enum Msg : uint32_t {
    kGo = 1,     ///< parent -> child: continue
    kError = 2,  ///< child -> parent: code = errno, payload = what failed
    kExec = 3,   ///< child -> parent: about to execve
    kFd = 4,     ///< child -> parent: an fd in SCM_RIGHTS (pty master), no payload
    kReady = 5,  ///< child -> parent: reached a sync point (e.g. namespaces ready)
    kPlan = 7,   ///< vserver -> vs-init --join: a PlanHeader and what follows it
};

/// Every message starts with this; the payload (if any) follows without padding.
struct MsgHeader {
    uint32_t type;  ///< a Msg
    int32_t code;   ///< Error: the errno; else 0
};

/// The receive buffer of SyncChannel::recv: no message but Plan may be larger.
constexpr size_t kMaxMessage = 4096;
/// vs-init's own texts in Error messages stop at this many bytes.
constexpr size_t kMaxErrorText = 1024;
/// vs-init --join's receive buffer for the plan; vserver refuses to send a larger plan.
constexpr size_t kMaxPlan = 64 * 1024;

/// The plan of `vs-init --join`: everything the joining process does between its birth and the
/// guest command's execve.
constexpr uint32_t kPlanMagic = 0x4e4a5356;  // "VSJN"
constexpr uint32_t kPlanVersion = 4;

enum PlanFlags : uint32_t {
    kTty = 1,         ///< open a pty in the guest's devpts, send the master, slave on 0-2
    kUserns = 2,      ///< joined a user namespace: become its uid/gid 0 first
    kNoNewPrivs = 4,  ///< PR_SET_NO_NEW_PRIVS
    kSetIds = 8,      ///< setgroups/setresgid/setresuid to groups/gid/uid
    /// vsrun exec: the OCI order instead of kSetIds' and cap_keep's root-only sets: bounding
    /// set, then groups, gid and uid with the permitted set kept across the change
    /// (PR_SET_KEEPCAPS), then cap_effective/permitted/inheritable and the ambient set raised.
    kOciCaps = 16,
};

/// Followed by: uint32_t groups[n_groups]; PlanRlimit rlimits[n_rlimits];
/// struct sock_filter filter[n_filter] (kFilterInsnSize bytes each); char home[home_len]
/// (NUL-terminated); char apparmor[apparmor_len]; char selinux[selinux_len].
struct PlanHeader {
    uint32_t magic;
    uint32_t version;
    uint64_t ns_flags;  ///< setns(pidfd, ns_flags): CLONE_NEW* incl. CLONE_NEWPID
    int32_t pidfd;      ///< the guest init's pidfd, as numbered in vs-init
    int32_t root_fd;    ///< O_PATH of the init's root, as numbered in vs-init
    uint32_t flags;     ///< PlanFlags
    int32_t cap_last;   ///< /proc/sys/kernel/cap_last_cap
    uint64_t cap_keep;  ///< the bounding set (only bits <= cap_last)
    uint32_t uid;
    uint32_t gid;
    uint32_t n_groups;
    uint32_t n_rlimits;
    uint32_t n_filter;
    uint32_t home_len;
    int32_t result_fd;  ///< vserver's JoinResult memfd, as numbered in vs-init
    /// vsrun exec --preserve-fds: fds 3..3+N-1 stay open for the command (vserver's own fds
    /// are above them); 0 for every other caller.
    uint32_t preserve_fds;
    /// kOciCaps only: process.capabilities' sets (bits <= cap_last; permitted already holds
    /// effective and ambient, inheritable holds ambient).
    uint64_t cap_effective;
    uint64_t cap_permitted;
    uint64_t cap_inheritable;
    uint64_t cap_ambient;
    /// vsrun exec's LSM labels (0: none), each NUL-terminated after `home`: the text written to
    /// /proc/thread-self/attr/apparmor/exec (attr/exec on kernels without the per-LSM
    /// directory), "exec PROFILE", and to attr/exec for SELinux, so the command's execve takes
    /// them on (proc(5)).
    uint32_t apparmor_len;
    uint32_t selinux_len;
};

/// What `vs-init --join` reports after it has closed the sync channel (tools/vs-init/spawn.cpp
/// says why it must): written into a shared mapping of a memfd vserver made, which vserver reads
/// once vs-init has exited. All zero: vs-init died before it started the command.
struct JoinResult {
    int32_t pid;  ///< the command's pid, as vs-init and vserver see it (their pid namespace)
    int32_t err;  ///< errno of what failed after the channel closed (the clone, or the
                  ///< command's setsid, controlling terminal or execve), 0: nothing
    char what[kMaxErrorText];  ///< what failed, NUL-terminated
};

/// `vs-init --wait FD PATH --hooks HFD RFD`: HFD is a sealed memfd holding config.json's
/// startContainer hooks and the state they get on stdin, which vs-init runs after `start` and
/// before it execs the process. Layout: a HooksHeader, the state (state_len bytes and a NUL),
/// then per hook a HookHeader followed by NUL-terminated strings: the path, n_args arguments,
/// n_env environment entries. RFD is where vs-init writes what failed (see wait.cpp).
constexpr uint32_t kHooksMagic = 0x4b485356;  // "VSHK"
constexpr uint32_t kHooksVersion = 1;
/// vs-init's buffer for the whole memfd, and its table of argument and environment pointers.
constexpr size_t kMaxHooks = 256 * 1024;
constexpr size_t kMaxHookStrings = 4096;

struct HooksHeader {
    uint32_t magic;
    uint32_t version;
    uint32_t n_hooks;
    uint32_t state_len;
};

struct HookHeader {
    uint32_t timeout_s;  ///< 0: no bound
    uint32_t n_args;     ///< 0: argv is {path}
    uint32_t n_env;
    uint32_t pad;
};

struct PlanRlimit {
    int32_t resource;
    uint32_t pad;
    uint64_t cur;
    uint64_t max;
};

/// sizeof(struct sock_filter) (<linux/filter.h>: u16 code, u8 jt, u8 jf, u32 k).
constexpr size_t kFilterInsnSize = 8;
/// Groups a plan may carry (NGROUPS_MAX of the kernel).
constexpr uint32_t kMaxGroups = 65536;

/// `vs-init --output`: the command's wait status, sent once as one packet on the status socket.
using ExitStatus = int32_t;

// The layout is what goes on the wire: both ends are built by one compiler for one host, but a
// field moved or resized must be a deliberate protocol change (kPlanVersion), not an accident.
static_assert(sizeof(MsgHeader) == 8 && offsetof(MsgHeader, code) == 4);
static_assert(sizeof(PlanHeader) == 112 && offsetof(PlanHeader, result_fd) == 64 &&
              offsetof(PlanHeader, cap_effective) == 72 && offsetof(PlanHeader, cap_ambient) == 96);
static_assert(sizeof(JoinResult) == 8 + kMaxErrorText && offsetof(JoinResult, what) == 8);
static_assert(offsetof(PlanHeader, ns_flags) == 8 && offsetof(PlanHeader, pidfd) == 16 &&
              offsetof(PlanHeader, root_fd) == 20 && offsetof(PlanHeader, flags) == 24 &&
              offsetof(PlanHeader, cap_last) == 28 && offsetof(PlanHeader, cap_keep) == 32 &&
              offsetof(PlanHeader, uid) == 40 && offsetof(PlanHeader, home_len) == 60);
static_assert(sizeof(HooksHeader) == 16 && sizeof(HookHeader) == 16);
static_assert(sizeof(PlanRlimit) == 24 && offsetof(PlanRlimit, cur) == 8);
static_assert(sizeof(ExitStatus) == sizeof(int));
static_assert(sizeof(MsgHeader) + kMaxErrorText <= kMaxMessage,
              "vs-init's Error messages must fit SyncChannel's receive buffer");
static_assert(sizeof(MsgHeader) + sizeof(PlanHeader) + 2 <= kMaxPlan);

}  // namespace vs::proc::init_protocol
