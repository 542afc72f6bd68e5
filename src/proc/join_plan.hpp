// The wire format of the plan `vserver` sends to `vs-init --join` (tools/vs-init/join.cpp):
// everything the joining process does between its birth and the guest command's execve. Plain
// fixed-size data and <stdint.h> only: vs-init is built without a libc.
#pragma once

#include <stdint.h>

namespace vs::proc::join_plan {

constexpr uint32_t kMagic = 0x4e4a5356;  // "VSJN"
constexpr uint32_t kVersion = 1;
/// SyncChannel message type of the plan (vs::proc::SyncMsg::Plan).
constexpr uint32_t kMsgPlan = 7;

enum Flags : uint32_t {
    kTty = 1,         ///< open a pty in the guest's devpts, send the master, slave on 0-2
    kUserns = 2,      ///< joined a user namespace: become its uid/gid 0 first
    kNoNewPrivs = 4,  ///< PR_SET_NO_NEW_PRIVS
    kSetIds = 8,      ///< setgroups/setresgid/setresuid to groups/gid/uid
};

/// Followed by: uint32_t groups[n_groups]; Rlimit rlimits[n_rlimits];
/// uint64_t filter[n_filter] (struct sock_filter, 8 bytes each); char home[home_len].
struct Header {
    uint32_t magic;
    uint32_t version;
    uint64_t ns_flags;  ///< setns(pidfd, ns_flags): CLONE_NEW* incl. CLONE_NEWPID
    int32_t pidfd;      ///< the guest init's pidfd, as numbered in vs-init
    int32_t root_fd;    ///< O_PATH of the init's root, as numbered in vs-init
    uint32_t flags;
    int32_t cap_last;   ///< /proc/sys/kernel/cap_last_cap
    uint64_t cap_keep;  ///< the bounding set (only bits <= cap_last)
    uint32_t uid;
    uint32_t gid;
    uint32_t n_groups;
    uint32_t n_rlimits;
    uint32_t n_filter;
    uint32_t home_len;
};

struct Rlimit {
    int32_t resource;
    uint32_t pad;
    uint64_t cur;
    uint64_t max;
};

}  // namespace vs::proc::join_plan
