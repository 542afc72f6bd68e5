// The cflags and ccapabilities tables (reference util-vserver.md §3.1, §3.2) and their mapping.
#include "spec/context_flags.hpp"

#include <linux/capability.h>

#include <algorithm>
#include <cerrno>

#include "base/strings.hpp"
#include "spec/capabilities.hpp"

namespace vs::spec {

const std::vector<ContextName>& cflag_table() {
    static const std::vector<ContextName> t = {
        {"lock",
         {"info_lock"},
         Support::Always,
         "guests hold no CAP_SYS_ADMIN, so no process can setns(2)/unshare(2) out of its context"},
        {"sched", {}, Support::Always, "all guest processes share one cgroup (2.4-era flag)"},
        {"nproc",
         {"info_nproc"},
         Support::Always,
         "rlimits/nproc becomes the guest cgroup's pids.max"},
        {"private",
         {"info_private"},
         Support::Mapped,
         "`vserver NAME enter`/`exec` are refused (Flags.private_ctx)"},
        {"fakeinit",
         {"info_init"},
         Support::Always,
         "the guest's init is pid 1 of its own pid namespace"},
        {"hideinfo",
         {"info_hideinfo"},
         Support::Always,
         "a pid namespace shows no host or other-guest task information"},
        {"ulimit",
         {"info_ulimit"},
         Support::Always,
         "rlimits are set on the guest's init and inherited; nproc and rss are also cgroup-wide"},
        {"namespace",
         {"info_namespace", "info_nspace"},
         Support::Always,
         "every guest has a private mount namespace"},
        {"sched_hard",
         {},
         Support::Always,
         "sched/fill-rate and sched/interval (or limits/cpu.max) become cpu.max"},
        {"sched_prio",
         {},
         Support::Refused,
         "token-bucket priority adjustment has no mainline equivalent; use limits/cpu.weight"},
        {"sched_pause", {}, Support::Mapped, "the guest starts frozen (cgroup freezer)"},
        {"virt_mem",
         {},
         Support::Mapped,
         "lxcfs's /proc/meminfo and /proc/swaps (the guest cgroup's memory limit and use) are "
         "bound over the guest's"},
        {"virt_uptime",
         {},
         Support::Mapped,
         "a time namespace whose boottime/monotonic clocks start at guest start"},
        {"virt_cpu",
         {},
         Support::Mapped,
         "lxcfs's /proc/cpuinfo, /proc/stat and /sys/devices/system/cpu/online (the guest's "
         "cpuset and CPU quota) are bound over the guest's"},
        {"virt_load",
         {},
         Support::Mapped,
         "lxcfs's /proc/loadavg (the load of the guest's cgroup) is bound over the guest's"},
        {"virt_time",
         {},
         Support::Refused,
         "CLOCK_REALTIME is not namespaced (time_namespaces(7) covers monotonic and boottime "
         "only)"},
        {"hide_mount", {}, Support::Always, "the guest's mount namespace shows only its mounts"},
        {"hide_netif",
         {"secure"},
         Support::Always,
         "a network namespace shows only the guest's interfaces (not in mode shared)"},
        {"hide_vinfo", {}, Support::Always, "a pid namespace hides context information"},
        {"state_setup", {}, Support::Refused, "internal kernel state, not settable"},
        {"state_init", {}, Support::Refused, "internal kernel state, not settable"},
        {"state_admin", {}, Support::Refused, "internal kernel state, not settable"},
        {"sc_helper",
         {},
         Support::Always,
         "reboot(2)/halt in a pid namespace ends the guest's init; the stop path handles it"},
        {"reboot_kill",
         {},
         Support::Always,
         "reboot(2) in a pid namespace kills every process of the guest"},
        {"persistent",
         {},
         Support::Refused,
         "no host-side process holds an empty guest; a guest with no process is stopped"},
        {"fork_rss",
         {},
         Support::Refused,
         "memory.max reclaims and OOM-kills instead of failing fork(2)"},
        {"prolific",
         {},
         Support::Userns,
         "nested contexts: unshare/setns are let through the seccomp profile (needs userns)"},
        {"igneg_nice",
         {},
         Support::Mapped,
         "CAP_SYS_NICE is dropped from the bounding set, so raising priority fails"},
        {"igneg_ionice",
         {},
         Support::Mapped,
         "CAP_SYS_NICE is dropped from the bounding set, so raising io priority fails"},
    };
    return t;
}

const std::vector<ContextName>& ccap_table() {
    static const std::vector<ContextName> t = {
        {"set_utsname",
         {"utsname"},
         Support::Userns,
         "sethostname(2) in the guest's UTS namespace; needs CAP_SYS_ADMIN over it, which only a "
         "user namespace grants safely"},
        {"set_rlimit",
         {"rlimit"},
         Support::Mapped,
         "CAP_SYS_RESOURCE is added to the bounding set (raise hard rlimits)"},
        {"fs_security",
         {},
         Support::Refused,
         "security.* xattrs need CAP_SYS_ADMIN in the initial user namespace"},
        {"fs_trusted",
         {},
         Support::Refused,
         "trusted.* xattrs need CAP_SYS_ADMIN in the initial user namespace"},
        {"tiocsti",
         {},
         Support::Refused,
         "TIOCSTI is gated by CAP_SYS_ADMIN and the host-wide dev.tty.legacy_tiocsti sysctl"},
        {"raw_icmp",
         {"icmp", "ping"},
         Support::Mapped,
         "ICMP datagram sockets: net.ipv4.ping_group_range is opened in the guest's netns"},
        {"syslog",
         {},
         Support::Refused,
         "the kernel log is not namespaced; CAP_SYSLOG would expose the host's"},
        {"oom_adjust",
         {},
         Support::Mapped,
         "CAP_SYS_RESOURCE is added to the bounding set (lower oom_score_adj)"},
        {"audit_control",
         {},
         Support::Refused,
         "the audit subsystem is not namespaced; CAP_AUDIT_CONTROL would reach the host's"},
        {"secure_mount",
         {"mount"},
         Support::Refused,
         "mount(2) needs CAP_SYS_ADMIN; grant it with bcapabilities or use userns"},
        {"secure_remount",
         {"remount"},
         Support::Refused,
         "mount(2) needs CAP_SYS_ADMIN; grant it with bcapabilities or use userns"},
        {"binary_mount",
         {},
         Support::Refused,
         "network/binary mounts need CAP_SYS_ADMIN in the initial user namespace"},
        {"dev_mount",
         {},
         Support::Refused,
         "block-device mounts need CAP_SYS_ADMIN in the initial user namespace"},
        {"quota_ctl",
         {},
         Support::Refused,
         "quotactl(2) needs CAP_SYS_ADMIN in the initial user namespace; disk limits are set "
         "from the host (dlimits/)"},
        {"admin_mapper", {}, Support::Refused, "device-mapper control is host-global"},
        {"admin_cloop", {}, Support::Refused, "loop-device control is host-global"},
        {"kthread", {}, Support::Refused, "kernel threads cannot belong to a guest"},
        {"namespace",
         {},
         Support::Userns,
         "unshare/setns are let through the seccomp profile (needs userns)"},
    };
    return t;
}

namespace {

std::string lead(std::string_view what) {
    return what.empty() ? std::string() : std::string(what) + ": ";
}

const ContextName* find_in(const std::vector<ContextName>& t, std::string_view name,
                           std::string_view prefix) {
    std::string n = str::lower(str::trim(name));
    if (str::starts_with(n, prefix)) n.erase(0, prefix.size());
    for (const auto& e : t) {
        if (n == e.name) return &e;
        for (const char* a : e.aliases)
            if (n == a) return &e;
    }
    return nullptr;
}

void add(std::vector<std::string>& v, const std::string& n) {
    if (std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
}
void remove(std::vector<std::string>& v, const std::string& n) {
    v.erase(std::remove(v.begin(), v.end(), n), v.end());
}
bool has(const std::vector<std::string>& v, std::string_view n) {
    return std::find(v.begin(), v.end(), n) != v.end();
}

Result<std::vector<std::string>> apply_list(const std::vector<ContextName>& table,
                                            std::string_view prefix, const char* kind,
                                            std::vector<std::string> names, std::string_view text,
                                            std::string_view what, bool cflags) {
    for (const auto& line : str::lines(text)) {
        // util-vserver lists are one per line, but --flags a,b writes comma lists: accept both.
        for (auto tok : str::split_ws(line)) {
            for (auto item : str::split(tok, ',')) {
                std::string orig = item;
                bool clear = item[0] == '!' || item[0] == '~';
                if (clear) item.erase(0, 1);
                std::string low = str::lower(item);
                if (low == "none" && !clear) {
                    names.clear();
                    continue;
                }
                if (cflags && low == "default") {
                    for (const auto& d : default_cflags()) clear ? remove(names, d) : add(names, d);
                    continue;
                }
                const ContextName* e = find_in(table, item, prefix);
                if (!e)
                    return make_error(EINVAL, "{}unknown {} {}", lead(what), kind,
                                      str::quote(orig));
                if (clear) {
                    remove(names, e->name);
                    continue;
                }
                if (e->support == Support::Refused)
                    return make_error(EINVAL, "{}{} {} is not supported: {}", lead(what), kind,
                                      str::quote(orig), e->mechanism);
                add(names, e->name);
            }
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

const ContextName* find_cflag(std::string_view name) {
    return find_in(cflag_table(), name, "vxf_");
}
const ContextName* find_ccap(std::string_view name) { return find_in(ccap_table(), name, "vxc_"); }

std::vector<std::string> default_cflags() { return {"sc_helper", "virt_uptime"}; }
std::vector<std::string> default_ccaps() { return {"raw_icmp"}; }

Result<std::vector<std::string>> apply_cflag_list(std::vector<std::string> names,
                                                  std::string_view text, std::string_view what) {
    return apply_list(cflag_table(), "vxf_", "context flag", std::move(names), text, what, true);
}

Result<std::vector<std::string>> apply_ccap_list(std::vector<std::string> names,
                                                 std::string_view text, std::string_view what) {
    return apply_list(ccap_table(), "vxc_", "context capability", std::move(names), text, what,
                      false);
}

std::string name_list_diff(const std::vector<std::string>& base,
                           const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        if (!has(base, n)) out += n + "\n";
    for (const auto& b : base)
        if (!has(names, b)) out += "!" + b + "\n";
    return out;
}

uint64_t caps_implied_by_ccaps(const std::vector<std::string>& ccaps) {
    uint64_t s = 0;
    if (has(ccaps, "set_rlimit") || has(ccaps, "oom_adjust")) s |= cap_bit(CAP_SYS_RESOURCE);
    return s;
}

Status apply_context_mechanisms(GuestSpec& spec) {
    const auto& f = spec.flags.names;
    const auto& c = spec.caps.ccaps;
    for (const auto* list : {&f, &c}) {
        bool is_flags = list == &f;
        for (const auto& n : *list) {
            const ContextName* e = is_flags ? find_cflag(n) : find_ccap(n);
            if (!e)
                return make_error(EINVAL, "unknown {} {}", is_flags ? "cflag" : "ccap",
                                  str::quote(n));
            if (e->support == Support::Refused)
                return make_error(EINVAL, "{} {} is not supported: {}",
                                  is_flags ? "cflags" : "ccapabilities", str::quote(n),
                                  e->mechanism);
            if (e->support == Support::Userns && !spec.ns.user)
                return make_error(EINVAL, "{} {} needs a user namespace (userns file): {}",
                                  is_flags ? "cflags" : "ccapabilities", str::quote(n),
                                  e->mechanism);
        }
    }
    spec.flags.private_ctx = has(f, "private");
    spec.flags.sched_pause = has(f, "sched_pause");
    spec.flags.virt_uptime = has(f, "virt_uptime");
    spec.flags.virt_mem = has(f, "virt_mem");
    spec.flags.virt_cpu = has(f, "virt_cpu");
    spec.flags.virt_load = has(f, "virt_load");
    spec.ns.time = spec.flags.virt_uptime;
    if (has(f, "igneg_nice") || has(f, "igneg_ionice"))
        spec.caps.bounding &= ~cap_bit(CAP_SYS_NICE);
    spec.caps.ping_sockets = has(c, "raw_icmp");
    spec.caps.allow_namespaces = has(c, "namespace") || has(f, "prolific");
    spec.caps.bounding |= caps_implied_by_ccaps(c);
    if (spec.init.style == InitStyle::Systemd && spec.ns.user) {
        // What LXD gives an unprivileged container: every capability, held over the guest's
        // own user namespace only, except those that act on host-wide kernel state even from
        // there (module loading, the clock, raw I/O, MAC policy). Namespaces for its services.
        spec.caps.bounding = ~uint64_t{0} & ((uint64_t{1} << (CAP_LAST_CAP + 1)) - 1);
        for (int cap :
             {CAP_SYS_MODULE, CAP_SYS_TIME, CAP_SYS_RAWIO, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE})
            spec.caps.bounding &= ~cap_bit(cap);
        spec.caps.allow_namespaces = true;
    }
    return ok();
}

}  // namespace vs::spec
