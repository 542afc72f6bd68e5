// cgroup: device access control of a guest's cgroup: the rule list's effective state (the v1
// devices controller's semantics), written to v1's devices.allow/deny or compiled into a
// BPF_CGROUP_DEVICE program attached to its cgroup2 node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::cgroup {

/// Access bits, as the kernel's BPF_DEVCG_ACC_* (mknod, read, write).
enum DeviceAccess : uint8_t { kDevMknod = 1, kDevRead = 2, kDevWrite = 4, kDevAll = 7 };

/// One rule, applied in order: 'a' with both numbers any resets the state (v1's "a").
struct DeviceRule {
    bool allow = false;
    char type = 'a';     ///< 'a' (char and block), 'c', 'b'
    int64_t major = -1;  ///< -1: any
    int64_t minor = -1;  ///< -1: any
    uint8_t access = kDevAll;
    /// The kernel's v1 text: "a", "c 1:3 rwm", "b *:* m".
    std::string text() const;
};

/// Where a rule list leaves a cgroup, computed as the v1 devices controller does
/// (Documentation/admin-guide/cgroup-v1/devices.rst): a default and its exceptions. With a
/// default of deny the exceptions allow (a request is allowed when one exception of its type
/// and numbers holds every access bit asked); with a default of allow they deny (a request is
/// refused when one exception shares any bit with it). A rule of the default's own kind takes
/// bits away from the exception with the same type and numbers; a rule of the other kind adds
/// them (exceptions with equal type and numbers are one).
struct DeviceState {
    bool default_allow = false;
    std::vector<DeviceRule> exceptions;  ///< allow is !default_allow in each
};

/// Applies `rules` in order to a state starting at deny-all (what runc and crun start a
/// container from).
DeviceState device_state(const std::vector<DeviceRule>& rules);

/// Parses one line of v1 devices.list ("c 1:3 rwm", "a *:* rwm"); EINVAL naming it.
Result<DeviceRule> parse_v1_device_line(const std::string& line);

/// Makes the v1 devices cgroup at `dir` (the guest's leaf) hold `target`. Allow-all to deny
/// goes through "a" deny (the only way v1 has); otherwise what the target keeps stays allowed
/// throughout: new allows are written before old ones are taken away. Errors name the file and
/// the rule.
Status apply_v1_devices(const std::string& dir, const DeviceState& target);

/// The BPF_PROG_TYPE_CGROUP_DEVICE instructions deciding as `s` does (1 allows, 0 refuses),
/// as raw `struct bpf_insn` bytes (8 each), so callers need no kernel header.
std::vector<uint64_t> device_program(const DeviceState& s);

/// Loads the program for `s` and attaches it to the cgroup2 directory `cgroup2_dir`, replacing
/// the one an earlier call attached there in one step (BPF_F_REPLACE: no moment without one);
/// programs others attached (BPF_F_ALLOW_MULTI: a parent's, systemd's) are left alone and
/// still apply. Errors carry the verifier's first lines.
Status attach_device_program(const std::string& cgroup2_dir, const DeviceState& s);
/// The same on the directory fd `cgfd` of `cgroup2_dir` (O_PATH will do), opened by the caller.
Status attach_device_program(int cgfd, const std::string& cgroup2_dir, const DeviceState& s);

/// Ids of the programs attach_device_program attached to `cgroup2_dir` (for tests and checks).
Result<std::vector<uint32_t>> device_program_ids(const std::string& cgroup2_dir);

}  // namespace vs::cgroup
