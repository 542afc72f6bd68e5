// oci::Spec: an OCI bundle's config.json (runtime-spec 1.0-1.2, Linux) as plain, checked data.
// config/oci/ parses and validates it; the parts the classic runtime understands are also mapped
// into a GuestSpec (config/oci/to_guest_spec). No syscalls, no JSON here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec/guest_spec.hpp"

namespace vs::spec::oci {

// ---------------------------------------------------------------------------------------------
// process

/// process.consoleSize: the terminal's size when process.terminal is true.
struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;
};

/// process.user (numeric only on Linux: the runtime resolves no names).
struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;          ///< unset: the runtime's default (0022)
    std::vector<uint32_t> additional_gids;  ///< setgroups(2) list, in order, duplicates kept
};

/// process.capabilities, each set already resolved to bits (cap_bit(CAP_*), spec/capabilities).
/// A set absent from the JSON is empty: the spec grants nothing it does not list.
struct Capabilities {
    uint64_t bounding = 0;
    uint64_t effective = 0;
    uint64_t inheritable = 0;
    uint64_t permitted = 0;
    uint64_t ambient = 0;
};

/// One process.rlimits entry. `limit.soft` and `limit.hard` are both set (the spec requires
/// both; Rlimit::kUnlimited is RLIM_INFINITY); `limit.min` is never set.
struct ProcessRlimit {
    std::string type;   ///< "RLIMIT_NOFILE": the name as written (for messages)
    int resource = -1;  ///< RLIMIT_* number for setrlimit(2)
    Rlimit limit;
};

/// process: what runs in the container (also the shape of `exec --process FILE`).
struct Process {
    bool terminal = false;  ///< allocate a pty; its master goes to --console-socket
    std::optional<ConsoleSize> console_size;  ///< meaningful only with `terminal`
    User user;
    std::vector<std::string> args;  ///< argv; args[0] is looked up in PATH of `env` when relative
    std::vector<std::string> env;   ///< "KEY=value" each, in order
    std::string cwd = "/";          ///< absolute, inside the container
    /// Unset when the JSON has no process.capabilities: the process then gets none (every set
    /// empty, as for an empty object; to_guest_spec maps it to an empty bounding set).
    std::optional<Capabilities> capabilities;
    std::vector<ProcessRlimit> rlimits;  ///< in JSON order, no type twice
    bool no_new_privileges = false;      ///< PR_SET_NO_NEW_PRIVS before exec
    std::optional<int> oom_score_adj;    ///< -1000..1000, written to /proc/self/oom_score_adj
    std::string apparmor_profile;        ///< "" = none requested
    std::string selinux_label;           ///< "" = none requested
};

// ---------------------------------------------------------------------------------------------
// root, mounts

/// root: the container's root filesystem.
struct Root {
    std::string path;  ///< absolute: root.path resolved against the bundle directory
    bool readonly = false;
};

/// Mount propagation type (mount_namespaces(7)); `recursive` is the "r" form (rprivate, ...).
enum class Propagation { None, Private, Shared, Slave, Unbindable };

/// A propagation change as in mount options "rslave" or linux.rootfsPropagation.
struct PropagationChange {
    Propagation type = Propagation::None;  ///< None: leave as it is
    bool recursive = false;
};

/// Mount attribute bits, the same values as MOUNT_ATTR_* (mount_setattr(2)).
enum MountAttr : uint64_t {
    kAttrRdonly = 0x1,
    kAttrNosuid = 0x2,
    kAttrNodev = 0x4,
    kAttrNoexec = 0x8,
    kAttrAtimeMask = 0x70,  ///< MOUNT_ATTR__ATIME: clear it to change the atime mode
    kAttrRelatime = 0x0,
    kAttrNoatime = 0x10,
    kAttrStrictatime = 0x20,
    kAttrNodiratime = 0x80,
    kAttrIdmap = 0x100000,
    kAttrNosymfollow = 0x200000,
};

/// A uid or gid mapping (linux.uidMappings, mounts[].uidMappings): containerID..+size maps to
/// hostID..+size.
struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
};

/// One mounts[] entry, its options already sorted into what the kernel takes.
struct Mount {
    std::string destination;  ///< absolute path inside the container
    std::string type;         ///< filesystem type; "" or "bind" for a bind mount
    std::string source;       ///< as written (a host path for binds, a device or name otherwise)
    std::vector<std::string> options;  ///< as written, for messages and `state`

    bool bind = false;       ///< "bind" or "rbind" in options, or type "bind"
    bool recursive = false;  ///< "rbind"
    /// Attributes for the mount itself (ro, nosuid, noatime, ...): set `attr_set` after clearing
    /// `attr_clr` (mount_setattr(2) semantics; an atime option clears kAttrAtimeMask).
    uint64_t attr_set = 0;
    uint64_t attr_clr = 0;
    /// The "r" forms (rro, rnosuid, ...; mount_setattr with AT_RECURSIVE), applied after the
    /// above to the whole subtree of a recursive bind.
    uint64_t rec_attr_set = 0;
    uint64_t rec_attr_clr = 0;
    PropagationChange propagation;  ///< the last propagation option in options
    /// Filesystem parameters for fsconfig(2), in order: {"size","64m"}, {"mode","1777"}; a flag
    /// has an empty value. Superblock flags without a mount attribute (sync, dirsync, lazytime,
    /// mand, silent) come here too, as flags. Never set for bind mounts.
    std::vector<std::pair<std::string, std::string>> data;
    bool tmpcopyup = false;  ///< tmpfs: copy the shadowed directory's content into it
    /// "idmap"/"ridmap": an idmapped bind mount (MOUNT_ATTR_IDMAP) through uid_mappings and
    /// gid_mappings (or, when those are empty, the container's user namespace).
    bool idmap = false;
    bool idmap_recursive = false;  ///< "ridmap"
    std::vector<IdMapping> uid_mappings, gid_mappings;
};

// ---------------------------------------------------------------------------------------------
// hooks

/// One hook: run on the host (createRuntime, prestart, poststart, poststop) or in the container
/// (createContainer, startContainer), given the state JSON on stdin.
struct Hook {
    std::string path;               ///< absolute
    std::vector<std::string> args;  ///< argv including argv[0]; empty: {path}
    std::vector<std::string> env;   ///< "KEY=value"; empty: an empty environment
    std::optional<int> timeout_s;   ///< > 0; unset: no bound
};

struct Hooks {
    std::vector<Hook> prestart;  ///< deprecated by the spec, still sent by engines
    std::vector<Hook> create_runtime;
    std::vector<Hook> create_container;
    std::vector<Hook> start_container;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
};

// ---------------------------------------------------------------------------------------------
// linux

enum class NamespaceType { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

/// The runtime-spec's name of a namespace type ("pid", "network", "mount", ...).
constexpr std::string_view namespace_type_name(NamespaceType t) {
    switch (t) {
        case NamespaceType::Pid:
            return "pid";
        case NamespaceType::Network:
            return "network";
        case NamespaceType::Mount:
            return "mount";
        case NamespaceType::Ipc:
            return "ipc";
        case NamespaceType::Uts:
            return "uts";
        case NamespaceType::User:
            return "user";
        case NamespaceType::Cgroup:
            return "cgroup";
        case NamespaceType::Time:
            return "time";
    }
    return "";
}

/// One linux.namespaces entry: a new namespace (path empty) or one joined by path
/// (CRI: /proc/<pause pid>/ns/net). A type not listed is shared with the runtime's caller.
struct Namespace {
    NamespaceType type = NamespaceType::Mount;
    std::string path;  ///< absolute; "" = create a new one
};

/// One linux.devices entry: a device node created in the container's /dev.
struct Device {
    char type = 'c';                    ///< 'c' (or 'u'), 'b', 'p' (FIFO)
    std::string path;                   ///< absolute, inside the container
    int64_t major = 0, minor = 0;       ///< unused for 'p'
    std::optional<uint32_t> file_mode;  ///< permission bits; unset: 0666 (runc's default)
    std::optional<uint32_t> uid, gid;   ///< unset: 0
};

/// One linux.resources.devices rule (cgroup v1 devices.allow/deny; v2 BPF device program).
struct DeviceRule {
    bool allow = false;
    char type = 'a';               ///< 'a' (all), 'c', 'b'
    std::optional<int64_t> major;  ///< unset: any ('*')
    std::optional<int64_t> minor;  ///< unset: any ('*')
    std::string access = "rwm";    ///< subset of "rwm", in that order
};

/// linux.resources.memory (bytes; -1 = unlimited where the spec allows it).
struct MemoryResources {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;  ///< v1 soft_limit_in_bytes, v2 memory.low
    std::optional<int64_t> swap;         ///< memory + swap, as runc (v2: swap.max = swap - limit)
    std::optional<int64_t> kernel;       ///< deprecated by the spec; refused when set
    std::optional<int64_t> kernel_tcp;   ///< v1 only
    std::optional<uint64_t> swappiness;  ///< 0..100, v1 only
    std::optional<bool> disable_oom_killer;
    std::optional<bool> use_hierarchy;
    std::optional<bool> check_before_update;
};

/// linux.resources.cpu.
struct CpuResources {
    std::optional<uint64_t> shares;  ///< v1 cpu.shares (2..262144); v2 weight derived as runc
    std::optional<int64_t> quota;    ///< us per period; -1 = max
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtime_runtime;
    std::optional<uint64_t> realtime_period;
    std::optional<std::string> cpus, mems;  ///< cpuset lists ("0-3,6")
    std::optional<int64_t> idle;            ///< v2 cpu.idle: 0 or 1
};

/// One blockIO weightDevice entry.
struct WeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leaf_weight;
};

/// One blockIO throttle*Device entry.
struct ThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;  ///< bytes or operations per second
};

struct BlockIoResources {
    std::optional<uint16_t> weight;       ///< 10..1000 (v1 blkio.weight; v2 io.weight mapped)
    std::optional<uint16_t> leaf_weight;  ///< v1 only
    std::vector<WeightDevice> weight_device;
    std::vector<ThrottleDevice> throttle_read_bps, throttle_write_bps;
    std::vector<ThrottleDevice> throttle_read_iops, throttle_write_iops;
};

struct HugepageLimit {
    std::string page_size;  ///< "2MB", "1GB" (as hugetlb.<size>.limit_in_bytes / .max)
    uint64_t limit = 0;     ///< bytes
};

struct NetworkPriority {
    std::string name;  ///< interface
    uint32_t priority = 0;
};

struct NetworkResources {
    std::optional<uint32_t> class_id;         ///< v1 net_cls.classid
    std::vector<NetworkPriority> priorities;  ///< v1 net_prio.ifpriomap
};

struct RdmaLimit {
    std::optional<uint32_t> hca_handles, hca_objects;
};

/// linux.resources, in the spec's terms (v1 names, as the spec has them); config/oci maps the
/// common part into spec::Resources (to_resources) for the cgroup backends, and `update` takes
/// this same shape.
struct Resources {
    std::vector<DeviceRule> devices;
    std::optional<MemoryResources> memory;
    std::optional<CpuResources> cpu;
    std::optional<int64_t> pids_limit;  ///< -1 (or 0, as runc) = max
    std::optional<BlockIoResources> block_io;
    std::vector<HugepageLimit> hugepage_limits;
    std::optional<NetworkResources> network;
    std::map<std::string, RdmaLimit> rdma;       ///< device name -> limits
    std::map<std::string, std::string> unified;  ///< cgroup v2 "<file>" -> value, verbatim
};

/// Seccomp actions (libseccomp SCMP_ACT_*; the spec's names without the prefix).
enum class SeccompAction { KillThread, KillProcess, Trap, Errno, Trace, Allow, Log, Notify };

/// Argument comparison operators (libseccomp SCMP_CMP_*).
enum class SeccompOp {
    NotEqual,
    LessThan,
    LessEqual,
    EqualTo,
    GreaterEqual,
    GreaterThan,
    MaskedEqual
};

/// seccomp filter flags, the values of SECCOMP_FILTER_FLAG_* (seccomp(2)).
enum SeccompFlag : uint32_t {
    kSeccompTsync = 1,
    kSeccompLog = 2,
    kSeccompSpecAllow = 4,
    kSeccompWaitKillableRecv = 32,
};

struct SeccompArg {
    uint32_t index = 0;  ///< 0..5
    uint64_t value = 0;
    uint64_t value_two = 0;  ///< the mask for MaskedEqual
    SeccompOp op = SeccompOp::EqualTo;
};

/// One linux.seccomp.syscalls entry: the action for these syscall names when args match.
struct SeccompRule {
    std::vector<std::string> names;  ///< syscall names (libseccomp resolves them per arch)
    SeccompAction action = SeccompAction::Allow;
    std::optional<uint32_t> errno_ret;  ///< Errno/Trace: the value; unset: EPERM (Errno)
    std::vector<SeccompArg> args;       ///< all must match
};

/// linux.seccomp.
struct Seccomp {
    SeccompAction default_action = SeccompAction::Allow;
    std::optional<uint32_t> default_errno_ret;
    /// libseccomp architecture names (seccomp_arch_resolve_name): "x86_64", "x86", "x32",
    /// "aarch64", ... (mapped from the spec's SCMP_ARCH_*). Empty: the native one only.
    std::vector<std::string> architectures;
    uint32_t flags = 0;         ///< SeccompFlag bits
    std::string listener_path;  ///< unix socket the notify fd is sent to ("" = none)
    std::string listener_metadata;
    std::vector<SeccompRule> syscalls;
};

/// linux.personality: persona(2) domain and flags.
struct Personality {
    std::string domain;              ///< "LINUX" or "LINUX32"
    uint32_t persona = 0;            ///< PER_LINUX (0) or PER_LINUX32 (8), flags OR'ed in
    std::vector<std::string> flags;  ///< as written
};

/// One linux.timeOffsets entry (time_namespaces(7)).
struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;  ///< < 1e9
};

/// linux: everything Linux-specific. linux.intelRdt, linux.memoryPolicy and linux.netDevices
/// are refused by the parser (not carried here).
struct Linux {
    std::vector<Namespace> namespaces;  ///< no type twice
    std::vector<IdMapping> uid_mappings, gid_mappings;
    std::vector<Device> devices;
    std::optional<Resources> resources;
    std::string cgroups_path;  ///< "" = the runtime's default (containerd: "/default/<id>")
    /// Namespaced ones only (checked), keys as written: "net.ipv4.ip_forward" or, sysctl(8)'s
    /// other form, "net/ipv4/conf/eth0.1/forwarding" (first separator '/': a '.' is part of
    /// a name). Values are one line.
    std::map<std::string, std::string> sysctl;
    std::optional<Seccomp> seccomp;           ///< unset: no filter
    std::vector<std::string> masked_paths;    ///< absolute, inside the container
    std::vector<std::string> readonly_paths;  ///< absolute, inside the container
    PropagationChange rootfs_propagation;     ///< type None: the runtime's default (rslave)
    std::string mount_label;                  ///< SELinux context for mounts
    std::optional<Personality> personality;
    std::map<std::string, TimeOffset> time_offsets;  ///< "monotonic", "boottime"

    /// True when `t` is listed (new or joined).
    bool has_namespace(NamespaceType t) const {
        for (const auto& n : namespaces)
            if (n.type == t) return true;
        return false;
    }
};

/// A whole config.json, parsed and checked.
struct Spec {
    std::string oci_version;           ///< "1.0.2", "1.1.0", "1.2.0", ...
    std::string bundle;                ///< absolute bundle directory the config was read from
    std::optional<Root> root;          ///< required by the parser on Linux; optional in the schema
    std::vector<Mount> mounts;         ///< in order
    std::optional<Process> process;    ///< required at `start`/`run`; `create` may lack it
    std::string hostname, domainname;  ///< "" = not set (needs a uts namespace when set)
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    Linux linux;
};

}  // namespace vs::spec::oci
