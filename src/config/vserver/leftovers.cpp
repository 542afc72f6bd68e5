// Sweeping the dead in-flight names of the config writer and of write_file_atomic.
#include "config/vserver/leftovers.hpp"

#include <string_view>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_signal.hpp"
#include "config/vserver/writer.hpp"
#include "fs/remove.hpp"
#include "fs/walk.hpp"

namespace vs::config::vserver {

bool is_dead_in_flight(const std::string& name) {
    if (!is_in_flight_name(name)) return false;
    // The pid follows the last ".tmp."; the writer's names add ".WHAT" after it.
    auto at = name.rfind(".tmp.");
    if (name.size() < 2 || at == 0) return false;
    std::string_view rest = std::string_view(name).substr(at + 5);
    auto dot = rest.find('.');
    if (dot != std::string_view::npos && dot + 1 >= rest.size()) return false;
    return sys::pid_gone(rest.substr(0, dot));
}

void sweep_dead_in_flight(const Paths& paths, const std::string& name) {
    if (auto entries = sys::list_dir(paths.config_dir)) {
        for (auto& e : *entries)
            if (str::starts_with(e, "." + name + ".tmp.") && is_dead_in_flight(e))
                if (auto r = fs::remove_path(paths.config_dir + "/" + e); !r)
                    log::warn("removing a leftover: {}", r.error().what());
    }
    auto dead = [](const fs::Entry& e) { return is_dead_in_flight(e.name); };
    // vdir and cache are links (not entered); a real directory there is a guest root or a
    // cache, which is not the config's to sweep. 8 levels: interfaces/N/..., apps/init/...
    auto not_config = [](const fs::Entry& e) {
        return e.depth == 1 && (e.name == "vdir" || e.name == "cache");
    };
    fs::sweep(paths.guest_config(name), dead, not_config, 8);
    fs::sweep(paths.config_dir + "/.defaults", dead, not_config, 8);
}

}  // namespace vs::config::vserver
