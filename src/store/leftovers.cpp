// sweep_leftovers: dead build staging dirs and dead atomic-write temporaries of one guest.
#include "store/leftovers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <set>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_signal.hpp"
#include "config/vserver/leftovers.hpp"
#include "fs/remove.hpp"
#include "fs/walk.hpp"
#include "store/guest_root.hpp"
#include "store/layered_root.hpp"
#include "store/link_farm.hpp"

namespace vs::store {

bool is_dead_build_stage(const std::string& name, const std::string& guest) {
    std::string prefix = ".build-" + guest + "-";
    return str::starts_with(name, prefix) &&
           sys::pid_gone(std::string_view(name).substr(prefix.size()));
}

void sweep_leftovers(const config::Paths& paths, const std::string& name, const std::string& root) {
    auto warn = [](const Status& s) {
        if (!s) log::warn("removing a leftover: {}", s.error().what());
    };
    // Under the config base only config/'s writer writes: its own sweep.
    config::vserver::sweep_dead_in_flight(paths, name);
    std::set<std::string> roots = {paths.vdir_base};
    if (!root.empty() && root[0] == '/') roots.insert(str::parent_dir(root));
    // A root placed elsewhere (vdir a symlink to it: vserver-copy -r) has its stages beside it.
    if (auto vdir = sys::readlink(paths.guest_config(name) + "/vdir");
        vdir && !vdir->empty() && (*vdir)[0] == '/')
        roots.insert(str::parent_dir(*vdir));
    for (auto& dir : roots) {
        auto entries = sys::list_dir(dir);
        if (!entries) continue;
        // Dead stages first: the far rsync of a killed refresh is another ssh session, which may
        // outlive the receive, and with the farm's names gone it has nothing left to change.
        // Then a killed refresh's undo record: the root gets back what rsync changed in place on
        // files it shared with the stage (store/link_farm.hpp), before anything uses it.
        for (auto& e : *entries)
            if (is_dead_build_stage(e, name))
                warn(remove_root(dir + "/" + e, RootMounts::DetachPseudo));
        for (auto& e : *entries)
            if (is_dead_refresh_undo(e, name)) warn(apply_refresh_undo(dir + "/" + e));
        // Layered roots' bases and layers (store/layered_root.hpp): a killed layered build's.
        sweep_layers(paths, dir);
    }
    // A build killed between its two renames: the root is in place, still marked as being
    // built, and no config names it. With a config, the guest exists and only the mark goes.
    for (const auto& r : std::set<std::string>{paths.guest_root(name), root}) {
        if (r.empty() || !built_by_dead_process(r)) continue;
        if (sys::is_dir(paths.guest_config(name)))
            warn(clear_building(r));
        else
            warn(remove_root(r, RootMounts::DetachPseudo));
    }
    // write_file_atomic's and write_file_replace's dead temporaries; run dirs are shallow.
    fs::sweep(
        paths.guest_run(name),
        [](const fs::Entry& e) { return config::vserver::is_dead_in_flight(e.name); }, {}, 8);
}

}  // namespace vs::store
