// An OCI container's record under the runtime root (--root, default /run/vsrun): ROOT/ID/ holds
// `lock` (flock serializing every verb on one id), `state.json` (written tmp + rename) and, from
// create until start, `exec.fifo` (and `start.fifo` with startContainer hooks). Also what
// `vsrun state` prints and how the status is derived.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "caps/sets.hpp"
#include "runtime/rlimits.hpp"
#include "spec/oci_spec.hpp"
#include "state/lock.hpp"

namespace vs::runtime::oci {

/// runc's global options that change where and how containers are kept.
struct Options {
    std::string root = "/run/vsrun";
    bool systemd_cgroup = false;  ///< accepted; cgroupsPath "slice:prefix:name" is mapped
    bool rootless = false;
};

/// The runtime-spec version our state JSON and `features` speak.
inline constexpr const char* kOciVersion = "1.0.2";

enum class State { Creating, Created, Running, Paused, Stopped };
const char* state_name(State s);

/// What state.json records: what `state` prints and what the later verbs need to find the
/// container's init (pid + start time, so a recycled pid is never taken for it), its cgroup and
/// its namespaces.
struct Record {
    std::string id;
    std::string bundle;       ///< absolute
    std::string rootfs;       ///< absolute host path of the root filesystem
    std::string created;      ///< RFC 3339, UTC, nanoseconds
    uint32_t owner = 0;       ///< uid of the creator
    pid_t pid = 0;            ///< host pid of the container's init
    uint64_t start_time = 0;  ///< /proc/PID/stat field 22 of the init
    bool started = false;     ///< `start` ran (the fifo is gone)
    std::map<std::string, std::string> annotations;
    std::string cgroup_parent, cgroup_name;  ///< cgroup::Options parent/name
    bool cgroup_created = false;             ///< create made the leaf (delete removes it)
    uint64_t ns_flags = 0;  ///< CLONE_NEW* namespaces the init has that are not the host's
    std::vector<std::string> poststart;  ///< config.json hooks.poststart, as JSON texts
    std::vector<std::string> poststop;   ///< config.json hooks.poststop, as JSON texts
    /// config.json has startContainer hooks: vs-init runs them at `start`, which reads the
    /// outcome from the start FIFO.
    bool start_hooks = false;
    /// linux.devices as device cgroup allows ("b 8:0 rwm"): `update` of the device rules
    /// keeps them allowed, as create did.
    std::vector<std::string> device_nodes;
    /// The BPF LSM socket guard made from linux.seccomp (socket_guard.cpp): "attached", "" when
    /// the profile leaves i386 socketcall(2) no family it refuses to socket(2), else why not.
    std::string socket_guard;
    /// The attached guard's BPF program id: delete detaches it from a cgroup that stays.
    uint32_t socket_guard_id = 0;
};

std::string record_to_json(const Record& r);
/// Errors name the field.
Result<Record> record_from_json(const std::string& text);

/// Valid ids: runc's rule, [A-Za-z0-9_+.-]+ and not "." or "..", at most 1024 bytes.
Status check_id(const std::string& id);

/// ROOT/ID.
std::string container_dir(const Options& opt, const std::string& id);
std::string fifo_path(const std::string& dir);
/// Compiled seccomp programs (seccomp::compile_oci_cached), in the state root under a name that
/// is no container id (check_id refuses ':'), so list passes it by and no id can take it.
std::string seccomp_cache_dir(const Options& opt);
/// ROOT/ID/start.fifo: what vs-init reports to `start` (startContainer hooks only).
std::string start_fifo_path(const std::string& dir);

/// Removes what create put in the container's dir, then the dir (under the lock, which the
/// next locker notices: GuestLock retries when its file left the path).
void remove_dir(const std::string& dir);

/// process.rlimits as setrlimit(2) values, for the init (create) and for exec.
std::vector<RlimitSetting> rlimit_settings(const std::vector<spec::oci::ProcessRlimit>& rl);

/// process.capabilities as the five sets (none without it), for the init (create) and for
/// exec, whose --cap names `extra` join bounding, effective and permitted, and ambient where
/// inheritable (runc's rule). capabilities(7): PR_CAP_AMBIENT_RAISE needs the capability both
/// permitted and inheritable; runc warns about the others and goes on, and so do we, raising
/// none of them (caps::apply would otherwise add them to those sets). `who` starts the warning.
Result<caps::Sets> oci_cap_sets(const spec::oci::Process& pr, const std::vector<std::string>& extra,
                                const std::string& who);

/// Loads ROOT/ID/state.json; "container does not exist" (ENOENT) when there is none: the
/// words runc uses and the engines look for.
Result<Record> load(const std::string& dir, const std::string& id);
Status save(const std::string& dir, const Record& r);

/// The status now: stopped when the init is gone (or another process holds its pid), created
/// while the exec fifo is there, paused when its cgroup is frozen, else running.
State state_of(const Record& r, const std::string& dir);

/// The error of verb `verb` ("pause", "events of") on a container without a cgroup of its own:
/// rootless, and its user may not write the cgroup linux.cgroupsPath names (create.cpp).
Error no_cgroup(const std::string& verb, const std::string& id);

/// runc's state JSON (ociVersion, id, pid, status, bundle, rootfs, created, owner,
/// annotations); pid 0 for a stopped container.
std::string state_json(const Record& r, State s, bool pretty);

/// The lock of one id: blocks while another vsrun works on it. Creates ROOT/ID (0700).
Result<state::GuestLock> lock(const std::string& dir);

/// "2026-12-06T15:30:56.123456789Z".
std::string rfc3339_now();

}  // namespace vs::runtime::oci
