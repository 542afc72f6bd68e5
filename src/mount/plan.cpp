// Building the guest's mount plan (no syscalls here).
#include "mount/plan.hpp"

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

}  // namespace

Result<Plan> build_plan(const GuestMounts& in) {
    Plan p;
    p.push_back(op(OpKind::MakeRslave, "/"));
    p.push_back(op(OpKind::BindRoot, "/"));

    // /proc of the guest's pid namespace, then hide or freeze the parts that reach the host.
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

    // /sys: a fresh sysfs shows the guest's own network namespace; read-only either way.
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
    // The guest's own cgroup only, read-only: a writable host cgroupfs lets root leave its
    // cgroup (machine-facts.md: no nsdelegate here).
    bool v2_only = in.cgroups.size() == 1 && in.cgroups[0].name.empty();
    if (v2_only) {
        Op o = op(OpKind::Bind, "/sys/fs/cgroup");
        o.source = in.cgroups[0].source;
        o.attrs = kRdonly | kNosuid | kNodev | kNoexec;
        o.optional = true;  // a sysfs without /sys/fs/cgroup (CONFIG_CGROUPS=n) just has none
        p.push_back(o);
    } else if (!in.cgroups.empty()) {
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
            b.attrs = kRdonly | kNosuid | kNodev | kNoexec;
            p.push_back(b);
        }
        p.push_back(op(OpKind::SealReadOnly, "/sys/fs/cgroup"));
    }

    // /dev: our own tmpfs, never the host's devtmpfs (security.md §1.3).
    p.push_back(
        newfs("/dev", "tmpfs", kNosuid | kStrictatime, {{"mode", "755"}, {"size", "65536k"}}));
    p.push_back(device("null", 1, 3));
    p.push_back(device("zero", 1, 5));
    p.push_back(device("full", 1, 7));
    p.push_back(device("random", 1, 8));
    p.push_back(device("urandom", 1, 9));
    p.push_back(device("tty", 5, 0));
    p.push_back(newfs("/dev/pts", "devpts", kNosuid | kNoexec,
                      {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}, {"gid", "5"}}));
    p.push_back(symlink("/dev/ptmx", "pts/ptmx"));
    p.push_back(newfs("/dev/shm", "tmpfs", kNosuid | kNodev | kNoexec,
                      {{"mode", "1777"}, {"size", "65536k"}}));
    p.push_back(newfs("/dev/mqueue", "mqueue", kNosuid | kNodev | kNoexec));
    p.push_back(symlink("/dev/fd", "/proc/self/fd"));
    p.push_back(symlink("/dev/stdin", "/proc/self/fd/0"));
    p.push_back(symlink("/dev/stdout", "/proc/self/fd/1"));
    p.push_back(symlink("/dev/stderr", "/proc/self/fd/2"));

    // The admin's fstab, relative to the guest root; the hardened mounts above win.
    for (auto& e : in.fstab) {
        VS_TRY(check_target(e.target));
        if (is_managed_target(e.target)) continue;
        auto opts = VS_TRY(parse_options(e.options).wrap("fstab entry \"{}\"", e.target));
        if (opts.noauto) continue;
        Op o = op(opts.bind ? OpKind::Bind : OpKind::NewFs, e.target);
        o.source = e.source;
        o.fstype = e.fstype;
        o.params = opts.params;
        o.attrs = opts.attrs;
        o.recursive = opts.recursive;
        o.create = true;
        if (opts.bind && (e.source.empty() || e.source[0] != '/'))
            return make_error(EINVAL,
                              "fstab entry \"{}\": bind source \"{}\" is not an absolute host path",
                              e.target, e.source);
        p.push_back(o);
    }

    p.push_back(op(OpKind::PivotRoot, "/"));
    return p;
}

}  // namespace vs::mount
