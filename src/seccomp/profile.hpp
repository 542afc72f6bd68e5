// seccomp: builds and loads the guest's syscall filter ("default" or
// "unconfined") with libseccomp, for the native x86_64 ABI and the i386 (int
// 0x80) and x32 ABIs alike (x32 where the kernel runs it).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::seccomp {

/// What the "default" profile may let through besides its fixed allow-list.
struct ProfileOptions {
    /// Namespace creation and joining (unshare/clone/clone3 with CLONE_NEW*,
    /// setns): a guest that runs containers itself opts in; everyone else gets
    /// EPERM (clone3: ENOSYS, so libc falls back to clone, whose flags seccomp
    /// can see).
    bool allow_nesting = false;
    /// The guest's capability bounding set (spec::Caps::bounding). Syscalls that
    /// only do something with a capability (mount with CAP_SYS_ADMIN, reboot with
    /// CAP_SYS_BOOT, settimeofday with CAP_SYS_TIME, init_module with
    /// CAP_SYS_MODULE, ...) are allowed only when that capability is in the set,
    /// as in Docker's profile. 0 = none of them.
    uint64_t caps = 0;
    /// util-vserver ccaps "tiocsti" and "syslog": allow ioctl(TIOCSTI) and
    /// syslog(2).
    bool allow_tiocsti = false;
    bool allow_syslog = false;
};

/// A compiled filter: the classic BPF program the kernel runs (empty for "unconfined").
/// Compiling the default profile for three ABIs is libseccomp's slow path (it builds and
/// optimizes a decision tree per ABI), so the runtime compiles (or takes from the cache) in the
/// parent and only loads in the child.
struct Program {
    std::vector<sock_filter> insns;
    bool empty() const { return insns.empty(); }
};

/// True when the kernel runs x32 system calls (nr | 0x40000000). Debian's kernels build the ABI
/// but leave it off (syscall.x32=n), and a filter section for it is ~450 of the default
/// profile's ~1600 instructions, which every start and exec loads: where the kernel answers
/// x32 with ENOSYS, the filter leaves the ABI out and answers the same.
bool kernel_runs_x32();

/// Names load_profile accepts: "default", "unconfined".
const std::vector<std::string>& profile_names();
bool is_profile(const std::string& name);

/// Installs the named filter on the calling thread (single-threaded child
/// before exec). "unconfined" installs nothing. Does NOT set no_new_privs (a
/// full-system guest runs setuid tools; the runtime sets PR_SET_NO_NEW_PRIVS
/// itself when the spec asks), so without it the caller must still hold
/// CAP_SYS_ADMIN: call this BEFORE caps::apply_in_child. Known-dangerous
/// syscalls fail with EPERM; syscalls the profile does not know (newer than its
/// tables or this libseccomp) fail with ENOSYS so programs fall back
/// gracefully. Names libseccomp does not know are skipped, never an error.
Status load_profile(const std::string& name, const ProfileOptions& options);
Status load_profile(const std::string& name, bool allow_nesting = false);

/// Builds the named filter without loading it.
Result<Program> compile(const std::string& name, const ProfileOptions& options);

/// compile(), remembered in `cache_dir` (e.g. /var/cache/vservers/seccomp; program_store.hpp
/// says when an entry is trusted) under a key made of the profile name, the options, the
/// libseccomp version and the rule table, so a changed table or library never reuses a stale
/// program. A missing, malformed or untrusted entry is rebuilt; failing to write it is not an
/// error (the compiled program is returned).
Result<Program> compile_cached(const std::string& name, const ProfileOptions& options,
                               const std::string& cache_dir);

/// Installs a compiled program on the calling thread (seccomp(2) SECCOMP_SET_MODE_FILTER);
/// an empty program installs nothing. Same privilege rule as load_profile: no_new_privs or
/// CAP_SYS_ADMIN, so call it before caps::apply_in_child. Fast: one system call.
Status load_program(const Program& program);

/// Checks and wraps raw BPF bytes (a cache file): 1..BPF_MAXINSNS whole instructions.
Result<Program> program_from_bytes(std::string_view bytes);

/// The filter in libseccomp's readable PFC form (for `--debug` output and
/// tests); loads nothing.
Result<std::string> export_pfc(const std::string& name, const ProfileOptions& options);

}  // namespace vs::seccomp
