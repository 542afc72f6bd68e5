// JoinProfile: everything running a process inside a guest (exec, suexec, enter, cmd.*-sync)
// takes from the guest, decided once when it starts and kept in its run dir (join.json and
// join.bpf), so an exec neither parses the config nor recompiles or rehashes anything.
//
// Why the start-time values and not the config of the moment: a VServer context kept the
// capabilities and limits it was started with, and every process entering it got those; a
// changed bcapabilities, rlimits or seccomp profile applies at the next start. The profile is a
// cache, never the only copy: missing, stale (another run of the guest) or unreadable, exec
// builds it from the config exactly as start did.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "caps/sets.hpp"
#include "cgroup/manager.hpp"
#include "config/paths.hpp"
#include "runtime/rlimits.hpp"
#include "seccomp/profile.hpp"
#include "spec/guest_spec.hpp"
#include "state/guest_state.hpp"

namespace vs::runtime {

struct JoinProfile {
    std::string name;
    std::string root;          ///< the guest root on the host (suexec reads its /etc/passwd)
    std::string shell;         ///< config `shell`; "" = /bin/bash or /bin/sh
    bool private_ctx = false;  ///< flag "private": nobody may enter
    bool no_new_privs = false;
    uint64_t cap_bounding = 0;
    /// vsrun exec: process.capabilities, applied as runc does around the user change (the
    /// plan's kOciCaps; its bounding is `cap_bounding`). Unset for vserver guests, whose
    /// commands get root's sets from the bounding set. Never saved: vsrun makes it per exec.
    std::optional<caps::Sets> oci_caps;
    /// vsrun exec: process.apparmorProfile and selinuxLabel ("" = none), taken on at the
    /// command's execve. Never saved.
    std::string apparmor_profile, selinux_label;
    uint64_t ns_flags = 0;         ///< the CLONE_NEW* namespaces vs-init joins (setns)
    std::vector<std::string> env;  ///< the init's environment (apps/init/environment)
    std::vector<RlimitSetting> rlimits;
    std::vector<std::string> cgroup_self_join;  ///< v1 files the joiner writes "0" to
    std::string cgroup2;                        ///< its cgroup2 dir; "" on pure v1
    /// Join cgroup2's leaf cgroup::kJoinLeaf below `cgroup2` (made on demand), not `cgroup2`
    /// itself: the guest's cgroup is delegated to its systemd, which enables controllers there.
    bool cgroup2_leaf = false;
    std::string seccomp_profile;  ///< the name, for messages
    seccomp::Program filter;
};

/// The profile of `spec` for the run whose init is `init_pid`, with the init's own rlimits and
/// seccomp program (start has them at hand).
Result<JoinProfile> make_join_profile(const spec::GuestSpec& spec, const cgroup::Manager& cg,
                                      pid_t init_pid, std::vector<RlimitSetting> rlimits,
                                      seccomp::Program filter);
/// The same, computing the rlimits and the program as start does.
Result<JoinProfile> make_join_profile(const config::Paths& paths, const spec::GuestSpec& spec,
                                      const cgroup::Manager& cg, pid_t init_pid);

/// Writes RUN_DIR/join.json and RUN_DIR/join.bpf (tmp + rename each; the run dir is a tmpfs and
/// the files a cache, so no fsync), tagged with the run (init pid and start time) of `st`.
Status save_join_profile(const std::string& run_dir, const state::GuestState& st,
                         const JoinProfile& p);

/// The saved profile when it belongs to the run `st` describes; nullopt when there is none, it
/// is another run's or it cannot be read (the caller then builds it from the config).
std::optional<JoinProfile> load_join_profile(const std::string& run_dir,
                                             const state::GuestState& st);

/// Removes both files (idempotent): stop and the repair of an interrupted start.
Status clear_join_profile(const std::string& run_dir);

}  // namespace vs::runtime
