// GuestSpec: everything a guest is, as plain data. Both config front-ends (the /etc/vservers
// tree and OCI config.json) produce one; the runtime consumes it. No syscalls, no JSON here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vs::spec {

/// How the guest's PID 1 is chosen (apps/init/style).
enum class InitStyle {
    Plain,    ///< the guest's own /sbin/init is PID 1
    Sysv,     ///< our reaper is PID 1 and runs "/etc/init.d/rc <runlevel>"
    Reaper,   ///< our reaper is PID 1 and runs apps/init/cmd.start (or sleeps): guests with no init
    Systemd,  ///< the guest's systemd is PID 1, with a delegated cgroup (user namespace only)
};

/// One entry of interfaces/<id>/.
struct Interface {
    std::string id;      ///< the directory name ("0", "00", "eth0"): kept for the writer
    std::string ip;      ///< IPv4 or IPv6 text, validated
    int prefix = -1;     ///< -1: inherit interfaces/prefix (or mask), else the family default
    std::string dev;     ///< host device (macvlan parent or bridge); "" = interfaces/dev
    std::string name;    ///< name/label inside the guest ("eth0")
    bool nodev = false;  ///< the address exists already; only restrict binding to it
    bool disabled = false;
    std::string mode;  ///< "veth", "macvlan", "shared"; "" = default (see docs)
    std::string mac;
    std::string gateway;
};

/// One rlimits/<res> entry (util-vserver: hard, soft, min). kUnlimited = "inf".
struct Rlimit {
    static constexpr uint64_t kUnlimited = UINT64_MAX;
    std::optional<uint64_t> soft, hard, min;
};

/// cgroup resources, unified over v1 and v2 (limits/ and the legacy keys map here).
struct Resources {
    std::optional<int64_t> memory_max;   ///< bytes; -1 = max
    std::optional<int64_t> memory_high;  ///< bytes (v1: soft_limit_in_bytes)
    std::optional<int64_t> memory_swap_max;
    std::optional<uint64_t> cpu_weight;   ///< 1..10000 (v1 shares derived)
    std::optional<int64_t> cpu_quota_us;  ///< -1 = max
    std::optional<uint64_t> cpu_period_us;
    std::optional<std::string> cpuset_cpus, cpuset_mems;
    std::optional<int64_t> pids_max;                 ///< -1 = max
    std::optional<uint64_t> io_weight;               ///< 1..10000
    std::map<std::string, std::string> hugetlb_max;  ///< "2MB" -> bytes text
    std::map<std::string, std::string> passthrough;  ///< cgroup/<file> written verbatim
};

/// dlimits/<id>/.
struct DiskLimit {
    std::string id;
    std::string directory;
    uint64_t space_total_kib = 0;
    uint64_t inodes_total = 0;
    uint32_t reserved_pct = 0;
    bool disabled = false;  ///< dlimits/<id>/disabled: kept in the config, not applied
};

/// One fstab line, mounted relative to the guest root at start.
struct FstabEntry {
    std::string source, target, fstype, options;
};

/// One step of apps/init/killseq: send `signal`, then wait `wait_s` seconds for the guest to empty.
struct KillStep {
    int signal = 15;
    int wait_s = 0;
};

struct Init {
    InitStyle style = InitStyle::Plain;
    std::string mark;  ///< autostart group word
    std::string runlevel_start = "3";
    std::string runlevel_stop = "6";
    std::vector<KillStep> killseq = {{15, 5}, {9, 0}};
    /// apps/init/timeout: seconds each command run for start or stop may take (hooks, rc,
    /// cmd.prepare, cmd.stop, the -sync commands); 0 = no bound.
    int timeout_s = 90;
    std::vector<std::string> cmd_start, cmd_stop, cmd_prepare;  ///< argv overrides
    std::vector<std::string> cmd_start_sync, cmd_stop_sync;     ///< waited for after start/stop cmd
    std::optional<std::string> mtab;  ///< apps/init/mtab: the guest's /etc/mtab at start
    std::vector<std::string> depends;
    std::vector<std::string> environment = {"PATH=/bin:/usr/bin:/sbin:/usr/sbin"};
    /// apps/init/console: a pty as the guest's /dev/console, held by vs-consoled; unset: on
    /// for style systemd only.
    std::optional<bool> console;
    int ttys = 0;  ///< apps/init/ttys: more ptys, /dev/pts/1..N, named in $container_ttys
    bool has_console() const { return console.value_or(style == InitStyle::Systemd); }
};

/// Hook scripts per phase (scripts/<phase> and scripts/<phase>.d/*), as absolute paths in order.
struct Scripts {
    std::map<std::string, std::vector<std::string>> by_phase;
};

/// Capabilities, already resolved to numbers (CAP_* from <linux/capability.h>).
struct Caps {
    uint64_t bounding = 0;           ///< the bounding set the guest gets
    std::vector<std::string> ccaps;  ///< accepted context caps (canonical names)
    bool ping_sockets = false;       ///< ccap raw_icmp: open net.ipv4.ping_group_range in the netns
    bool allow_namespaces = false;   ///< ccap namespace/cflag prolific (userns only): the seccomp
                                     ///< profile lets unshare/clone(CLONE_NEW*) and setns through
};

/// Context flags that were accepted (canonical names) and the mechanisms they turned on.
struct Flags {
    std::vector<std::string> names;
    bool private_ctx = false;  ///< "private"/"lock": enter/exec are refused
    bool virt_uptime = false;  ///< time namespace: guest uptime starts at its start
    bool virt_mem = false;     ///< lxcfs meminfo/swaps over the guest's /proc
    bool virt_cpu = false;     ///< lxcfs cpuinfo/stat/cpu/online
    bool virt_load = false;    ///< lxcfs loadavg
    bool sched_pause = false;  ///< start frozen
};

struct Namespaces {
    bool user = false;  ///< user namespace with its own id range
    bool time = false;  ///< time namespace (virt_uptime)
    bool net = true;    ///< false only for "shared" network mode
};

/// UID/GID mapping for user-namespaced guests: guest 0 -> host `host_base`, `count` ids.
struct IdMap {
    uint32_t host_base = 0;
    uint32_t count = 0;
};

/// apps/vunify/: vhashify and vunify read these files themselves when they run; the spec carries
/// them so that copy and restore keep them with the rest of the config.
struct UnifyConfig {
    std::string exclude;                            ///< apps/vunify/exclude, verbatim
    std::map<std::string, std::string> refservers;  ///< refserver.<X> -> its link target
};

/// A layered root (`build -m clone --layered`, store/layered_root.hpp): an overlay mounted at the
/// guest's root, of a frozen base tree that the clones of one reference state share and the
/// guest's own upper dir, which holds everything the guest changed.
struct LayeredRoot {
    std::string lower;  ///< the base tree (absolute)
    std::string upper;  ///< the guest's upper dir (absolute); its overlay work dir is "../work"
};

struct GuestSpec {
    // Identity
    std::string name;
    std::optional<uint32_t> context;  ///< xid, 2..49151 (util-vserver range)
    std::string nodename, domainname;

    // Paths (absolute): the guest root (vdir), its config dir, its cache dir.
    std::string root, config_dir, cache_dir;

    // Network
    std::string default_dev;  ///< interfaces/dev
    int default_prefix = -1;  ///< interfaces/prefix or mask
    std::vector<Interface> interfaces;

    // Security
    Caps caps;
    Flags flags;
    Namespaces ns;
    std::optional<IdMap> idmap;
    bool no_new_privs = false;  ///< off by default: a full system guest runs setuid tools
    std::string seccomp_profile = "default";  ///< "default" or "unconfined"

    // Process and init
    Init init;
    std::string shell;  ///< for enter; "" = first of bash -l, sh -l
    std::optional<int> nice;
    std::optional<int> oom_score_adj;       ///< "badness"
    std::optional<uint32_t> personality;    ///< personality(2) persona for the guest init
    std::map<std::string, Rlimit> rlimits;  ///< key: util-vserver resource name (nofile, nproc...)
    std::map<std::string, Rlimit> ulimits;

    // Filesystem
    std::vector<FstabEntry> fstab;
    std::vector<DiskLimit> dlimits;
    std::optional<LayeredRoot> layered;  ///< unset: the root is a plain directory

    // Resources
    Resources resources;

    // Hooks
    Scripts scripts;

    // Unification tools (not used by start or stop)
    UnifyConfig unify;
};

}  // namespace vs::spec
