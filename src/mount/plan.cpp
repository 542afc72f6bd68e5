// Building the guest's mount plan (no syscalls here).
#include "mount/plan.hpp"

#include <algorithm>
#include <cstdlib>

#include "base/strings.hpp"
#include "mount/options.hpp"

namespace vs::mount {

const char* op_kind_name(OpKind k) {
    switch (k) {
        case OpKind::MakeRslave:
            return "make-rslave";
        case OpKind::BindRoot:
            return "bind-root";
        case OpKind::NewFs:
            return "mount";
        case OpKind::Bind:
            return "bind";
        case OpKind::MaskPath:
            return "mask";
        case OpKind::ReadOnly:
            return "read-only";
        case OpKind::Device:
            return "device";
        case OpKind::Symlink:
            return "symlink";
        case OpKind::Mkdir:
            return "mkdir";
        case OpKind::SealReadOnly:
            return "seal-read-only";
        case OpKind::PivotRoot:
            return "pivot-root";
    }
    return "?";
}

const std::vector<std::string>& masked_paths() {
    static const std::vector<std::string> v = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/interrupts",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/sys/firmware",
        "/sys/devices/virtual/powercap",
        // "cpu*" is expanded by the executor (the CPUs are only known at run time).
        "/sys/devices/system/cpu/cpu*/thermal_throttle",
    };
    return v;
}

const std::vector<std::string>& readonly_paths() {
    static const std::vector<std::string> v = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                               "/proc/sysrq-trigger"};
    return v;
}

bool is_managed_target(const std::string& t) {
    std::string s = t;
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s == "/proc" || s == "/sys" || s == "/dev" || s == "/dev/pts" || s == "/dev/shm" ||
           s == "/dev/mqueue" || s == "/sys/fs/cgroup" || s == "/";
}

namespace {

Op op(OpKind k, std::string target) {
    Op o{k, std::move(target)};
    return o;
}

Op newfs(std::string target, std::string type, uint64_t attrs,
         std::vector<std::pair<std::string, std::string>> params = {}) {
    Op o = op(OpKind::NewFs, std::move(target));
    o.fstype = type;
    o.source = type;
    o.attrs = attrs;
    o.params = std::move(params);
    o.create = true;
    return o;
}

Op device(std::string name, unsigned maj, unsigned min) {
    Op o = op(OpKind::Device, "/dev/" + name);
    o.source = "/dev/" + name;  // the host node to bind when mknod is not allowed (userns)
    o.major = maj;
    o.minor = min;
    o.mode = 0666;
    return o;
}

Op symlink(std::string target, std::string text) {
    Op o = op(OpKind::Symlink, std::move(target));
    o.source = std::move(text);
    return o;
}

Status check_target(const std::string& t) {
    if (t.empty() || t[0] != '/')
        return make_error(EINVAL, "fstab target \"{}\" is not an absolute path", t);
    for (auto& c : str::split(t, '/'))
        if (c == "..") return make_error(EINVAL, "fstab target \"{}\" contains \"..\"", t);
    return ok();
}

std::string fstab_line(const spec::FstabEntry& e) {
    return fmt::format("{} {} {} {}", e.source, e.target, e.fstype, e.options);
}

/// Filesystems that are host-wide kernel interfaces, not per-guest views: a guest that mounts
/// one reaches the host kernel (binfmt_misc registers interpreters for every host exec, debugfs
/// and tracefs write kernel state, bpf pins host programs).
bool host_kernel_fs(const std::string& t) {
    return t == "debugfs" || t == "tracefs" || t == "securityfs" || t == "bpf" || t == "configfs" ||
           t == "binfmt_misc" || t == "efivarfs" || t == "pstore" || t == "fusectl";
}

/// The masks of `prefix` ("/proc" or "/sys") again under `at` (an extra mount of that
/// filesystem): "/proc/kcore" -> "/mnt/p/kcore".
void add_masks(Plan& p, const std::string& prefix, const std::string& at) {
    for (auto& path : masked_paths()) {
        if (!str::starts_with(path, prefix + "/")) continue;
        Op o = op(OpKind::MaskPath, at + path.substr(prefix.size()));
        o.optional = true;
        p.push_back(o);
    }
    if (prefix != "/proc") return;
    for (auto& path : readonly_paths()) {
        Op o = op(OpKind::ReadOnly, at + path.substr(prefix.size()));
        o.optional = true;
        p.push_back(o);
    }
}

/// A filesystem line of the fstab (not a bind). proc, sysfs and devpts get the options, masks
/// and read-only paths of the guest's own /proc, /sys and /dev/pts wherever they are mounted
/// (a second proc without them would let the guest write host sysctls); cgroup filesystems
/// and host kernel interfaces are refused, naming the line.
/// A tmpfs's size= bounds its bytes but not its inodes: empty files cost no bytes, and without
/// nr_inodes the kernel allows half the RAM's pages of them (tmpfs(5)), each ~1 KiB of
/// unswappable kernel memory. An fstab tmpfs with a size and no nr_inodes gets one inode per
/// KiB of its size, which bounds the inodes' memory by the size the admin chose. A size in %
/// of RAM, or none, is left to the admin's nr_inodes.
void bound_tmpfs_inodes(std::vector<std::pair<std::string, std::string>>& params) {
    std::string size;
    for (auto& [k, v] : params) {
        if (k == "nr_inodes") return;
        if (k == "size") size = v;
    }
    if (size.empty()) return;
    char* end = nullptr;
    unsigned long long n = std::strtoull(size.c_str(), &end, 10);
    unsigned long long kib = 0;
    std::string unit = end ? end : "";
    if (unit.empty())
        kib = n / 1024;
    else if (unit == "k" || unit == "K")
        kib = n;
    else if (unit == "m" || unit == "M")
        kib = n << 10;
    else if (unit == "g" || unit == "G")
        kib = n << 20;
    else
        return;  // "50%" and anything the kernel will judge itself
    params.emplace_back("nr_inodes", std::to_string(std::max<unsigned long long>(kib, 64)));
}

Status add_fstab_fs(Plan& p, const GuestMounts& in, const spec::FstabEntry& e, const Options& opts,
                    int origin) {
    std::string target = e.target;
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    const std::string& t = e.fstype;
    if (t == "cgroup" || t == "cgroup2")
        return make_error(EPERM,
                          "fstab line \"{}\": a {} mount would show the host's whole cgroup tree "
                          "(and let a guest without a user namespace change it); the guest's own "
                          "cgroups are at /sys/fs/cgroup, read-only",
                          fstab_line(e), t);
    if (host_kernel_fs(t))
        return make_error(EPERM,
                          "fstab line \"{}\": {} is a host-wide kernel interface, not mountable "
                          "in a guest",
                          fstab_line(e), t);
    Op o = op(OpKind::NewFs, target);
    o.source = e.source;
    o.fstype = t;
    o.params = opts.params;
    o.attrs = opts.attrs;
    o.create = true;
    o.origin = origin;
    if (t == "proc") {
        o.attrs |= kNosuid | kNodev | kNoexec;
        p.push_back(o);
        if (in.proc_masks) add_masks(p, "/proc", target);
    } else if (t == "sysfs") {
        o.attrs |= kRdonly | kNosuid | kNodev | kNoexec;
        if (!in.own_netns) {
            // As the guest's /sys: a sysfs of the host's network namespace cannot be mounted
            // from a user namespace, so it is the host's, bound read-only (without its
            // submounts: the host's cgroup hierarchies stay out).
            o.kind = OpKind::Bind;
            o.source = "/sys";
            o.fstype.clear();
            o.params.clear();
        }
        p.push_back(o);
        if (in.proc_masks) add_masks(p, "/sys", target);
    } else if (t == "devpts") {
        // Its own instance (a new one since Linux 4.7; the flag makes older kernels agree),
        // without setuid or exec, as the guest's /dev/pts.
        o.attrs |= kNosuid | kNoexec;
        bool have = false;
        for (auto& [k, v] : o.params) have = have || k == "newinstance";
        if (!have) o.params.emplace_back("newinstance", "");
        p.push_back(o);
    } else {
        if (t == "tmpfs") bound_tmpfs_inodes(o.params);
        p.push_back(o);
    }
    return ok();
}

/// Read-only binds of the lxcfs files under `prefix` ("/proc/" or "/sys/").
void add_lxcfs(Plan& p, const LxcfsView& v, const std::string& prefix) {
    if (v.dir.empty()) return;
    for (auto& f : lxcfs_files(v)) {
        if (!str::starts_with(f, prefix)) continue;
        Op o = op(OpKind::Bind, f);
        o.source = f.substr(1);
        o.lxcfs = true;
        o.attrs = kRdonly | kNosuid | kNodev | kNoexec;
        p.push_back(o);
    }
}

/// /proc of the guest's pid namespace, then the parts that reach the host hidden or frozen.
void add_proc(Plan& p, const GuestMounts& in) {
    p.push_back(newfs("/proc", "proc", kNosuid | kNodev | kNoexec));
    if (in.proc_masks) {
        for (auto& path : masked_paths()) {
            if (!str::starts_with(path, "/proc/")) continue;
            Op o = op(OpKind::MaskPath, path);
            o.optional = true;
            p.push_back(o);
        }
        for (auto& path : readonly_paths()) {
            Op o = op(OpKind::ReadOnly, path);
            o.optional = true;
            p.push_back(o);
        }
    }
    // The guest's own memory, CPUs and load as lxcfs computes them from the reader's cgroup.
    add_lxcfs(p, in.lxcfs, "/proc/");
}

/// /sys: a fresh sysfs shows the guest's own network namespace; read-only either way.
void add_sys(Plan& p, const GuestMounts& in) {
    if (in.own_netns) {
        p.push_back(newfs("/sys", "sysfs", kRdonly | kNosuid | kNodev | kNoexec));
    } else {
        Op o = op(OpKind::Bind, "/sys");
        o.source = "/sys";
        o.recursive = true;
        o.attrs = kRdonly | kNosuid | kNodev | kNoexec;
        o.create = true;
        p.push_back(o);
    }
    if (in.proc_masks) {
        for (auto& path : masked_paths()) {
            if (!str::starts_with(path, "/sys/")) continue;
            Op o = op(OpKind::MaskPath, path);
            o.optional = true;
            p.push_back(o);
        }
    }
    add_lxcfs(p, in.lxcfs, "/sys/");
}

/// The guest's own cgroup only, read-only: a writable host cgroupfs lets root leave its
/// cgroup (machine-facts.md: no nsdelegate here).
void add_cgroups(Plan& p, const GuestMounts& in) {
    bool v2_only = in.cgroups.size() == 1 && in.cgroups[0].name.empty();
    if (v2_only) {
        Op o = op(OpKind::Bind, "/sys/fs/cgroup");
        o.source = in.cgroups[0].source;
        o.attrs =
            (in.cgroups[0].writable ? uint64_t{0} : uint64_t{kRdonly}) | kNosuid | kNodev | kNoexec;
        o.optional = true;  // a sysfs without /sys/fs/cgroup (CONFIG_CGROUPS=n) just has none
        p.push_back(o);
        return;
    }
    if (in.cgroups.empty()) return;
    Op t = newfs("/sys/fs/cgroup", "tmpfs", kNosuid | kNodev | kNoexec,
                 {{"mode", "755"}, {"size", "64k"}});
    t.create = false;
    t.optional = true;
    p.push_back(t);
    for (auto& v : in.cgroups) {
        std::string target = "/sys/fs/cgroup/" + v.name;
        if (!v.link.empty()) {
            p.push_back(symlink(target, v.link));
            continue;
        }
        Op d = op(OpKind::Mkdir, target);
        d.mode = 0755;
        p.push_back(d);
        Op b = op(OpKind::Bind, target);
        b.source = v.source;
        b.attrs = (v.writable ? uint64_t{0} : uint64_t{kRdonly}) | kNosuid | kNodev | kNoexec;
        p.push_back(b);
    }
    p.push_back(op(OpKind::SealReadOnly, "/sys/fs/cgroup"));
}

/// /dev: our own tmpfs, never the host's devtmpfs (security.md §1.3).
void add_dev(Plan& p, const GuestMounts& in) {
    // nr_inodes: a guest's empty files cost no bytes, only kernel memory (tmpfs(5)).
    p.push_back(newfs("/dev", "tmpfs", kNosuid | kStrictatime,
                      {{"mode", "755"}, {"size", "65536k"}, {"nr_inodes", "16384"}}));
    p.push_back(device("null", 1, 3));
    p.push_back(device("zero", 1, 5));
    p.push_back(device("full", 1, 7));
    p.push_back(device("random", 1, 8));
    p.push_back(device("urandom", 1, 9));
    p.push_back(device("tty", 5, 0));
    std::vector<std::pair<std::string, std::string>> pts = {
        {"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}};
    if (in.tty_group) pts.emplace_back("gid", "5");
    p.push_back(newfs("/dev/pts", "devpts", kNosuid | kNoexec, std::move(pts)));
    p.push_back(symlink("/dev/ptmx", "pts/ptmx"));
    p.push_back(newfs("/dev/shm", "tmpfs", kNosuid | kNodev | kNoexec,
                      {{"mode", "1777"}, {"size", "65536k"}, {"nr_inodes", "65536"}}));
    p.push_back(newfs("/dev/mqueue", "mqueue", kNosuid | kNodev | kNoexec));
    p.push_back(symlink("/dev/fd", "/proc/self/fd"));
    p.push_back(symlink("/dev/stdin", "/proc/self/fd/0"));
    p.push_back(symlink("/dev/stdout", "/proc/self/fd/1"));
    p.push_back(symlink("/dev/stderr", "/proc/self/fd/2"));
}

/// The admin's fstab, relative to the guest root; the hardened mounts before it win.
Status add_fstab(Plan& p, const GuestMounts& in) {
    for (size_t i = 0; i < in.fstab.size(); ++i) {
        const auto& e = in.fstab[i];
        VS_TRY(check_target(e.target));
        if (is_managed_target(e.target)) continue;
        auto opts = VS_TRY(parse_options(e.options).wrap("fstab entry \"{}\"", e.target));
        if (opts.noauto) continue;
        if (opts.bind && (e.source.empty() || e.source[0] != '/'))
            return make_error(EINVAL,
                              "fstab entry \"{}\": bind source \"{}\" is not an absolute host path",
                              e.target, e.source);
        if (opts.bind) {
            Op o = op(OpKind::Bind, e.target);
            o.source = e.source;
            o.attrs = opts.attrs;
            o.recursive = opts.recursive;
            o.create = true;
            o.fstab_bind = true;
            o.origin = static_cast<int>(i);
            p.push_back(o);
            continue;
        }
        VS_TRY(add_fstab_fs(p, in, e, opts, static_cast<int>(i)));
    }
    return ok();
}

}  // namespace

Result<Plan> build_plan(const GuestMounts& in) {
    Plan p;
    p.push_back(op(OpKind::MakeRslave, "/"));
    p.push_back(op(OpKind::BindRoot, "/"));
    add_proc(p, in);
    add_sys(p, in);
    add_cgroups(p, in);
    add_dev(p, in);
    VS_TRY(add_fstab(p, in));
    p.push_back(op(OpKind::PivotRoot, "/"));
    return p;
}

std::vector<std::string> lxcfs_files(const LxcfsView& v) {
    std::vector<std::string> f;
    if (v.mem) f.insert(f.end(), {"/proc/meminfo", "/proc/swaps"});
    if (v.cpu) f.insert(f.end(), {"/proc/cpuinfo", "/proc/stat", "/sys/devices/system/cpu/online"});
    if (v.load) f.push_back("/proc/loadavg");
    return f;
}

}  // namespace vs::mount
