// Where vserver-ng keeps things: config, guest roots, run state, and the cgroup parent.
#pragma once

#include <string>

namespace vs::config {

struct Paths {
    std::string config_dir;     ///< /etc/vservers
    std::string vdir_base;      ///< /var/lib/vservers
    std::string run_dir;        ///< /run/vservers
    std::string cache_base;     ///< /var/cache/vservers
    std::string log_dir;        ///< /var/log/vservers (guests' console logs)
    std::string cgroup_parent;  ///< "vserver"
    std::string cgroup_root;    ///< /sys/fs/cgroup (VSERVER_CGROUP_ROOT, for tests on fake trees)

    /// Defaults, moved under $VSERVER_PREFIX when set; $VSERVER_CGROUP_PARENT names the parent.
    static Paths from_env();

    std::string guest_config(const std::string& name) const { return config_dir + "/" + name; }
    std::string guest_root(const std::string& name) const { return vdir_base + "/" + name; }
    std::string guest_run(const std::string& name) const { return run_dir + "/" + name; }
};

}  // namespace vs::config
