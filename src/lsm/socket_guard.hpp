// lsm: the per-guest BPF LSM program that refuses the socket families the seccomp filter refuses,
// on every system call ABI (bpf/sock_families.bpf.c), and whether this kernel can run it.
//
// The seccomp filter checks socket(2)'s family argument, but i386's socketcall(SYS_SOCKET, args)
// passes it through a pointer seccomp cannot read, and refusing socketcall outright breaks i386
// glibc. The LSM's socket_create hook sees the family whatever the entry point. It needs Linux
// 6.0+ (BPF_LSM_CGROUP) and "bpf" in the active LSM list (CONFIG_LSM or lsm= at boot); where
// either is missing, guests still start, with the seccomp filter only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::lsm {

/// Whether this kernel runs the guard, found once per boot (see support()).
struct Support {
    bool usable = false;
    uint32_t btf_id = 0;  ///< bpf_lsm_socket_create in the kernel's BTF (the program's target)
    std::string reason;   ///< why not usable, with the fix where there is one
};

/// Probes the kernel: the active LSM list (securityfs, read from a detached mount when it is not
/// mounted), the hook's BTF id and a test load of the program. Parsing the kernel's BTF costs
/// more than a whole guest start, so the answer is remembered in `cache_file` with the boot id
/// (nothing of it changes before a reboot) and later calls read that file. A cache that cannot
/// be written is not an error.
Support support(const std::string& cache_file);

/// Attaches the guard to the cgroup2 directory `cgroup2_path` (once: a guard already there is
/// kept). Every process in that subtree then gets EAFNOSUPPORT for the refused families from
/// socket(2) and socketcall(2) alike; the kernel drops the program with the cgroup. The parent
/// directory (the guests' shared parent, which stays between guests) gets an always-allow
/// anchor program once, so the kernel keeps the hook's trampoline instead of building it at
/// each start and tearing it down at each stop. Returns false, attaching nothing, when
/// support() says the kernel cannot run it.
Result<bool> attach(const std::string& cgroup2_path, const std::string& cache_file);

/// Socket family (0..63; socket(2) answers EAFNOSUPPORT above the kernel's AF_MAX before any
/// LSM hook) -> the errno a guard gives it; 0 = allowed.
using FamilyErrnos = std::array<uint16_t, 64>;

/// The guard of one OCI container on its cgroup2 node (set_families), with what it replaced.
struct FamilyGuard {
    uint32_t id = 0;                 ///< bpf_prog_info.id of the guard attached; 0 = none
    std::vector<UniqueFd> replaced;  ///< the guards of ours it took off the node
};

/// Adds `errnos` to the socket family policy of the cgroup2 node `cgfd` (`cgroup2_path`, for
/// the parent's anchor and the messages): a guard made for one OCI container from its own
/// seccomp profile, the families that profile refuses to socket(2) but lets through i386
/// socketcall(2) (seccomp::i386_socketcall_gap), each refused with the profile's errno.
/// Generated, since every profile has its own list; attached like attach()'s guard, with the
/// same anchor on the parent. Guards of ours already on the node (other containers' in a shared
/// cgroup) stay beside it (BPF_F_ALLOW_MULTI: a family any of them refuses is refused), but
/// those `replaceable` (called with each one's program id) picks are taken off: the first is
/// replaced in one step (BPF_F_REPLACE: no moment without a guard), the others detached.
/// `errnos` refuses some family and `s` is support()'s answer, usable.
Result<FamilyGuard> set_families(const std::string& cgroup2_path, int cgfd, const Support& s,
                                 const FamilyErrnos& errnos,
                                 const std::function<bool(uint32_t id)>& replaceable);

/// The program ids of the guards set_families attached to the node.
Result<std::vector<uint32_t>> family_guards(int cgfd);

/// Undoes set_families (a create that failed): the guards `g.replaced` back on the node, the
/// first in place of guard `g.id`, or `g.id` detached. A guard that replaced `g.id` since
/// (another create's) stays, and what `g` replaced then stays off.
Status undo_families(const std::string& cgroup2_path, int cgfd, FamilyGuard g);

/// Detaches the policy guard `id` from the node if it is still there; a guard that replaced it
/// since (a later container's) stays.
Status detach_families(const std::string& cgroup2_path, int cgfd, uint32_t id);

/// Whether a guard (attach() or set_families()) is attached to `cgroup2_path`.
Result<bool> attached(const std::string& cgroup2_path);

/// Removes the guards from `cgroup2_path` (tests: the check that the guard is what refuses).
Status detach(const std::string& cgroup2_path);

}  // namespace vs::lsm
