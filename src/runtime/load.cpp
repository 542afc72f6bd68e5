// load_guest: name + config checks shared by every verb (bad input, nothing created).
#include <sys/stat.h>

#include "config/legacy/legacy_file.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/leftovers.hpp"
#include "config/vserver/tree.hpp"
#include "net/guest_network.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"
#include "store/leftovers.hpp"
#include "fs/remove.hpp"

namespace vs::runtime {

namespace {

// A start that waited on the lock while delete removed the guest recreates the run dir and its
// lock file; with the config gone nothing else would ever remove them. Only a run dir holding
// nothing but the lock, which nobody holds, goes.
void remove_stale_run_dir(const config::Paths& paths, const std::string& name) {
    std::string run = paths.guest_run(name);
    auto entries = sys::list_dir(run);
    if (!entries || state::GuestLock::held_by_other(run)) return;
    for (auto& e : *entries)
        if (e != "lock" && !config::vserver::is_dead_in_flight(e)) return;
    if (auto r = fs::remove_path(run); !r) log::warn("{}", r.error().what());
}

}  // namespace

Status guest_exists(const config::Paths& paths, const std::string& name) {
    std::string dir = paths.guest_config(name);
    if (!sys::is_dir(dir)) return config::legacy::missing_guest(paths, name);
    return ok();
}

Result<spec::GuestSpec> load_guest(const config::Paths& paths, const std::string& name) {
    VS_TRY(spec::validate_name(name));
    if (auto e = guest_exists(paths, name); !e) {
        remove_stale_run_dir(paths, name);
        return std::move(e).error();
    }
    std::string dir = paths.guest_config(name);
    store::sweep_leftovers(paths, name, paths.guest_root(name));
    auto loaded = VS_TRY(config::vserver::load(paths, name));
    for (auto& u : loaded.unknown) log::warn("{}: unknown config file \"{}\" ignored", dir, u);
    for (auto& w : loaded.warnings) log::warn("{}", w);
    // Every verb (start, exec, enter) takes the spec from here, so a shared-network guest never
    // holds CAP_NET_RAW/CAP_NET_ADMIN of the host's stack, whatever bcapabilities says; the
    // seccomp profile's capability gates then follow the same set.
    loaded.spec.caps.bounding &= ~net::required_cap_drops(loaded.spec);
    return std::move(loaded.spec);
}

}  // namespace vs::runtime

namespace vs::runtime {

namespace {

// A vdir or cache entry of the config dir: a link (relative ones are relative to the config
// dir), or a real directory taken as the value itself, as the loader reads them.
std::string link_value(const std::string& dir, const std::string& key, std::string fallback) {
    std::string path = dir + "/" + key;
    if (auto l = sys::readlink(path)) return l->empty() || (*l)[0] == '/' ? *l : dir + "/" + *l;
    if (sys::is_dir(path)) return path;
    return fallback;
}

}  // namespace

Result<spec::GuestSpec> spec_for_delete(const config::Paths& paths, const std::string& name) {
    VS_TRY(spec::validate_name(name));
    std::string dir = paths.guest_config(name);
    if (!sys::is_dir(dir)) return config::legacy::missing_guest(paths, name);
    auto s = VS_TRY(config::vserver::base_spec(paths, name));
    s.root = link_value(dir, "vdir", s.root);
    s.cache_dir = link_value(dir, "cache", s.cache_dir);
    // A layered root's overlay and layers go too (store/layered_root.cpp checks the paths and
    // marks before it unmounts or removes anything).
    auto lower = sys::read_file(dir + "/layered/lower");
    auto upper = sys::read_file(dir + "/layered/upper");
    if (lower && upper)
        s.layered =
            spec::LayeredRoot{std::string(str::trim(*lower)), std::string(str::trim(*upper))};
    return s;
}

}  // namespace vs::runtime
