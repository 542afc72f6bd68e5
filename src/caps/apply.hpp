// caps: applies a guest's capability policy to the calling process (run in the
// guest's child just before exec) and reads any process's capability sets back
// from /proc/PID/status.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::caps {

/// The highest capability number the running kernel knows
/// (/proc/sys/kernel/cap_last_cap). Bits above it are undefined and must never
/// be set in any set we leave behind.
Result<int> kernel_last_cap();

/// Mask of every capability the running kernel knows: bits
/// 0..kernel_last_cap().
Result<uint64_t> kernel_mask();

/// Applies `caps` to the calling process. Call it in the guest's child, as
/// (namespaced) uid 0 still holding CAP_SETPCAP, after every step that needs
/// more privilege (mounts, pivot_root, hostname, cgroup joins) and after
/// seccomp::load_profile (installing a filter without no_new_privs needs
/// CAP_SYS_ADMIN, which the guest normally loses here). What it does:
///   1. bounding: PR_CAPBSET_DROP every capability 0..kernel_last_cap() not in
///   caps.bounding
///      (bits of caps.bounding above the kernel's last cap are ignored: the
///      kernel has no such capability to grant);
///   2. ambient: cleared (PR_CAP_AMBIENT_CLEAR_ALL);
///   3. inheritable: cleared, so file capabilities can never lift a process
///   above what the
///      bounding set and its own uid allow (CVE-2022-24769 class);
///   4. permitted = effective = bounding & the current permitted set: after
///   execve uid 0 gets
///      exactly the bounding set (capabilities(7), "root semantics");
///   5. securebits: reset to 0 (no NOROOT, no KEEP_CAPS) so a full-system guest
///   keeps root
///      semantics (setuid-root and root's execve get the bounding set); nothing
///      is locked, so guest root may still use ambient capabilities inside its
///      bounding set (systemd units).
/// A later setresuid() to a non-root user is fine: the kernel then clears
/// permitted/effective. No-op errors are reported with the capability name and
/// number.
Status apply_in_child(const spec::Caps& caps);

/// The capability lines of /proc/PID/status (plus the two lines a guest audit
/// wants with them).
struct ProcCaps {
    uint64_t inheritable = 0;   ///< CapInh
    uint64_t permitted = 0;     ///< CapPrm
    uint64_t effective = 0;     ///< CapEff
    uint64_t bounding = 0;      ///< CapBnd
    uint64_t ambient = 0;       ///< CapAmb
    bool no_new_privs = false;  ///< NoNewPrivs
    int seccomp = 0;            ///< Seccomp: 0 disabled, 1 strict, 2 filter
};

/// Parses the text of a /proc/PID/status file. Fails (EINVAL) when a Cap* line
/// is missing or not hexadecimal, naming the line.
Result<ProcCaps> parse_status(std::string_view status_text);

/// Reads /proc/PID/status (pid 0 = the calling process, via /proc/self).
Result<ProcCaps> read_status(pid_t pid = 0);

/// "000001fffeffffff": the 16-digit form /proc/PID/status uses.
std::string format_mask(uint64_t mask);

}  // namespace vs::caps
