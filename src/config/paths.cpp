// Paths from the environment.
#include "config/paths.hpp"

#include <cstdlib>

namespace vs::config {

Paths Paths::from_env() {
    Paths p;
    const char* prefix = std::getenv("VSERVER_PREFIX");
    std::string pre = (prefix && *prefix) ? prefix : "";
    while (pre.size() > 1 && pre.back() == '/') pre.pop_back();
    p.config_dir = pre + "/etc/vservers";
    p.vdir_base = pre + "/var/lib/vservers";
    p.run_dir = pre + "/run/vservers";
    p.cache_base = pre + "/var/cache/vservers";
    p.log_dir = pre + "/var/log/vservers";
    const char* parent = std::getenv("VSERVER_CGROUP_PARENT");
    p.cgroup_parent = (parent && *parent) ? parent : "vserver";
    const char* root = std::getenv("VSERVER_CGROUP_ROOT");
    p.cgroup_root = (root && *root) ? root : "/sys/fs/cgroup";
    return p;
}

}  // namespace vs::config
