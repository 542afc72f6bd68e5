// The container's first process between clone and the exec of its waiting vs-init: joins the
// namespaces named by path, builds the root, applies the process settings and confinement,
// then becomes `vs-init --wait` (sealed memfd) holding the exec FIFO until `vsrun start`.
#pragma once

#include <string>
#include <vector>

#include "caps/sets.hpp"
#include "mount/plan.hpp"
#include "proc/sync_channel.hpp"
#include "spec/oci_spec.hpp"
#include "runtime/rlimits.hpp"
#include "seccomp/oci_filter.hpp"

namespace vs::runtime::oci {

/// A namespace joined by path: linux.namespaces[index], its fd as the child sees it.
struct JoinNs {
    int fd = -1;
    uint64_t flag = 0;  ///< CLONE_NEW*
    spec::oci::NamespaceType type = spec::oci::NamespaceType::Mount;
    size_t index = 0;
    std::string path;
};

/// Everything the child needs, prepared by the parent; fds are numbered as the child sees them.
struct ChildPlan {
    const spec::oci::Spec* config = nullptr;
    mount::Plan mounts;
    std::string rootfs;
    seccomp::Program filter;
    bool seccomp = false;
    uint32_t seccomp_flags = 0;  ///< SECCOMP_FILTER_FLAG_*
    std::vector<RlimitSetting> rlimits;
    caps::Sets caps;
    bool new_userns = false;
    bool joined_userns = false;  ///< a user namespace joined by path: its root after the join
    bool new_cgroupns = false;
    bool new_utsns = false;
    bool new_netns = false;  ///< a new network namespace: its lo is brought up
    /// A new time namespace: unshared by the child, given linux.timeOffsets, then entered.
    bool new_timens = false;
    /// Namespaces joined by path (not pid, which the parent joins before the clone), user
    /// first. Empty when a user namespace is involved: then they are joined before the clone
    /// (Create::spawn_joined).
    std::vector<JoinNs> join;
    int helper_fd = -1;   ///< sealed vs-init
    int fifo_fd = -1;     ///< read end of the exec FIFO
    int console_fd = -1;  ///< connected --console-socket, -1: none
    /// memfd: the state for the createContainer hooks when the child reads it (after Go), then
    /// the packed startContainer hooks for vs-init (written by create once the init waits).
    int hooks_fd = -1;
    int start_fd = -1;     ///< the start FIFO's write end for vs-init (startContainer hooks only)
    int preserve_fds = 0;  ///< fds 3..3+N-1 pass to the process
    bool new_keyring = true;  ///< a new session keyring (not --no-new-keyring)
    std::vector<std::string> env;
};

/// Joins the namespaces of `join` (ChildPlan::join) and closes their fds: the others first, while
/// the caller still has its own user namespace's rights over them, then the user namespace,
/// then those its rights did not reach before (EPERM), now that it holds
/// the capabilities of the joined user namespace (setns(2)).
/// A failed join names linux.namespaces[i].path and its value.
Status join_namespaces(const std::vector<JoinNs>& join);

/// The child's body (proc::spawn's ChildMain): returns the exit code after reporting a failure
/// over `ch`; on success it does not return (execveat).
int container_init_main(proc::SyncChannel& ch, const ChildPlan& plan);

/// The program `arg0` as the process will run it: a path with '/' is taken relative to `cwd`,
/// a bare name is looked up in the PATH of `env` (default /usr/local/sbin:...:/bin). Checks
/// that it is an executable regular file, in the current root (call after pivot_root).
Result<std::string> resolve_program(const std::string& arg0, const std::vector<std::string>& env);

}  // namespace vs::runtime::oci
