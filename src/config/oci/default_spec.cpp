// `vsrun spec`: the default config.json, plain and rootless.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "config/oci/generate.hpp"

namespace vs::config::oci {

namespace {

// Keys in the order a reader expects (ociVersion first), not sorted.
using json = nlohmann::ordered_json;

json mount(const char* dest, const char* type, const char* source,
           std::initializer_list<const char*> options) {
    json m = {{"destination", dest}, {"type", type}, {"source", source}};
    if (options.size()) m["options"] = json::array();
    for (const char* o : options) m["options"].push_back(o);
    return m;
}

}  // namespace

std::string default_spec_json(bool rootless) {
    // The few capabilities a plain program needs (send signals to its own, bind low ports,
    // write audit records for login tools); everything else is asked for explicitly.
    const json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    json process = {
        {"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env",
         {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", caps},
          {"effective", caps},
          {"permitted", caps},
          {"ambient", json::array()}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true},
    };
    json mounts = json::array({
        mount("/proc", "proc", "proc", {}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        rootless
            ? mount("/dev/pts", "devpts", "devpts",
                    {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"})
            : mount("/dev/pts", "devpts", "devpts",
                    {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/dev/shm", "tmpfs", "shm",
              {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
    });
    if (!rootless)
        mounts.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup",
                               {"nosuid", "noexec", "nodev", "relatime", "ro"}));
    json namespaces = json::array();
    for (const char* t : {"pid", "network", "ipc", "uts", "mount", "cgroup"})
        namespaces.push_back({{"type", t}});
    json linux = {
        {"namespaces", namespaces},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
          "/sys/firmware", "/sys/devices/virtual/powercap"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
    };
    if (rootless) {
        linux["namespaces"].push_back({{"type", "user"}});
        linux["uidMappings"] = {{{"containerID", 0}, {"hostID", ::geteuid()}, {"size", 1}}};
        linux["gidMappings"] = {{{"containerID", 0}, {"hostID", ::getegid()}, {"size", 1}}};
    } else {
        linux["resources"] = {{"devices", {{{"allow", false}, {"access", "rwm"}}}}};
    }
    json spec = {
        {"ociVersion", "1.2.0"},
        {"process", process},
        {"root", {{"path", "rootfs"}, {"readonly", true}}},
        {"hostname", "vsrun"},
        {"mounts", mounts},
        {"linux", linux},
    };
    return spec.dump(4) + "\n";
}

}  // namespace vs::config::oci
