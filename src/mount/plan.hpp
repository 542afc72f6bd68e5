// mount::Plan: the guest's mount setup as plain data (built on the host, unit-tested), executed
// step by step in the guest's child by mount::execute (executor.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::mount {

enum class OpKind {
    MakeRslave,    ///< "/" recursively slave: nothing we mount propagates back to the host
    BindRoot,      ///< bind the guest root onto itself (pivot_root needs a mount point)
    NewFs,         ///< fresh filesystem `fstype` with `params` on `target`
    Bind,          ///< bind host path `source` onto `target` (recursive if `recursive`)
    MaskPath,      ///< file: bind a verified /dev/null over it; dir: an empty read-only tmpfs
    ReadOnly,      ///< bind `target` onto itself, read-only (+nosuid,nodev,noexec)
    Device,        ///< device node `target` (major,minor): mknod, or bind the host's node
    Symlink,       ///< symlink `target` -> `source`
    Mkdir,         ///< directory `target` (mode)
    SealReadOnly,  ///< make the mount at `target` read-only (after populating it)
    PivotRoot,     ///< pivot_root into the guest root and detach the old root
};

const char* op_kind_name(OpKind k);

struct Op {
    OpKind kind;
    std::string target;  ///< absolute path inside the guest ("/proc/kcore")
    std::string source;  ///< Bind: host path; Symlink: link text; NewFs: source name
    std::string fstype;  ///< NewFs
    std::vector<std::pair<std::string, std::string>> params;  ///< NewFs: fsconfig parameters
    uint64_t attrs = 0;                                       ///< mount::Attr bits
    bool recursive = false;                                   ///< Bind
    bool optional = false;  ///< a missing target is skipped, not an error
    bool create = false;    ///< create the target dir (mkdir -p) when missing
    /// Bind of an fstab line: the source is resolved without following any symlink (it may run
    /// through a volume another guest writes), and refused when it is on a kernel filesystem
    /// (proc, sysfs, cgroup, ...) that would give the guest the host's view unconfined.
    bool fstab_bind = false;
    /// Bind of a file of the shared lxcfs mount: `source` is relative to the lxcfs fd given to
    /// mount::execute (opened before the child takes the guest's ids, which may not traverse
    /// the host's run dir).
    bool lxcfs = false;
    mode_t mode = 0;                ///< Device, Mkdir
    unsigned major = 0, minor = 0;  ///< Device
    bool block = false;             ///< Device: a block device (else a character device)
    /// NewFs and Bind of an fstab line: its index in GuestMounts::fstab (-1: none), for callers
    /// that refine the op (vsrun's config.json mounts).
    int origin = -1;
    /// Bind: attributes cleared on the mount itself (mount_setattr attr_clr), and attributes set
    /// and cleared on the whole tree after that (the "r" options of OCI mounts).
    uint64_t attrs_clr = 0;
    uint64_t rec_attrs_set = 0, rec_attrs_clr = 0;
    /// MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, with MS_REC for the whole tree (0:
    /// none). NewFs, Bind: applied once the mount is attached. MakeRslave: the propagation of
    /// "/" instead of MS_REC|MS_SLAVE, and the mount holding `source` (the root) is then made
    /// private (slave when MS_SLAVE is asked), so the root's bind never propagates out of the
    /// namespace. PivotRoot: applied to the new "/" (shared or unbindable only).
    unsigned long propagation = 0;
    /// NewFs of a tmpfs: starts with a copy of what the directory it covers holds.
    bool tmpcopyup = false;
    /// Bind: attach the detached tree `trees[tree]` given to mount::execute (made on the host,
    /// e.g. idmapped) instead of a copy of `source`; -1: none.
    int tree = -1;
    /// What the op comes from, for errors ("mounts[3]"); "" names the op by its target only.
    std::string what;
};

using Plan = std::vector<Op>;

/// One hierarchy of the guest's read-only cgroup view under /sys/fs/cgroup.
struct CgroupView {
    std::string name;    ///< entry under /sys/fs/cgroup ("memory", "cpu,cpuacct", "unified"),
                         ///< "" = the view IS /sys/fs/cgroup (pure cgroup v2)
    std::string source;  ///< host dir of the guest's cgroup in that hierarchy
    std::string link;    ///< non-empty: `name` is a symlink to this (e.g. cpu -> cpu,cpuacct)
    /// Bound writable: a hierarchy delegated to the guest's systemd (its dir and cgroup.procs
    /// are chowned to the guest's root; the limit knobs stay the host root's).
    bool writable = false;
};

/// The files of the host's lxcfs mount bound over the guest's (virt_mem, virt_cpu, virt_load).
struct LxcfsView {
    std::string dir;  ///< host mount point of the shared lxcfs daemon ("" = none)
    bool mem = false;
    bool cpu = false;
    bool load = false;
};

/// The guest paths lxcfs serves for these flags ("/proc/meminfo", ...), each also the path
/// below the lxcfs mount point.
std::vector<std::string> lxcfs_files(const LxcfsView& v);

struct GuestMounts {
    std::string root;       ///< host path of the guest root (informational)
    bool own_netns = true;  ///< sysfs can be mounted fresh
    bool userns = false;    ///< no mknod: device nodes are bound from the host
    /// New ptys get group 5 (tty), devpts's gid=5; false for a user namespace that does not
    /// map gid 5, where devpts refuses the option (the pty takes its opener's group).
    bool tty_group = true;
    std::vector<spec::FstabEntry> fstab;
    std::vector<CgroupView> cgroups;
    bool proc_masks = true;  ///< the masked and read-only paths below
    LxcfsView lxcfs;
};

/// The masked and read-only paths of security.md §1.4 (Docker's defaults).
const std::vector<std::string>& masked_paths();
const std::vector<std::string>& readonly_paths();

/// fstab targets we always provide ourselves (hardened); such fstab lines are skipped.
bool is_managed_target(const std::string& target);

/// Builds the plan: rslave, root bind, /proc (+masks, read-only paths, lxcfs files), /sys
/// (+masks, lxcfs cpu/online, cgroup view), /dev (tmpfs, nodes, devpts, shm, mqueue, links), fstab
/// entries, pivot_root. An fstab proc, sysfs or devpts gets the same options, masks and read-only
/// paths as the guest's own. Fails on an fstab line it cannot accept (relative target, ".." in it,
/// bad options, a cgroup filesystem or a host kernel interface such as debugfs), naming it.
Result<Plan> build_plan(const GuestMounts& in);

}  // namespace vs::mount
