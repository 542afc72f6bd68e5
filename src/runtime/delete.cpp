// delete: stop if needed, then remove the guest's root, cache, console log and run dirs, and its
// config last.
#include <climits>
#include <cstdlib>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "fs/remove.hpp"
#include "runtime/console.hpp"
#include "runtime/guest.hpp"
#include "runtime/runtime.hpp"
#include "state/lock.hpp"
#include "store/guest_root.hpp"
#include "store/layered_root.hpp"
#include "store/leftovers.hpp"

namespace vs::runtime {

namespace {

// The cache link may point anywhere; only a directory inside the cache base is the guest's.
Status remove_cache(const config::Paths& paths, const spec::GuestSpec& spec) {
    if (spec.cache_dir.empty()) return ok();
    char real[PATH_MAX], base[PATH_MAX];
    if (!::realpath(spec.cache_dir.c_str(), real)) return ok();  // absent
    if (!::realpath(paths.cache_base.c_str(), base) ||
        !str::starts_with(real, std::string(base) + "/")) {
        log::warn("delete guest \"{}\": left its cache dir \"{}\" in place: it is outside {}",
                  spec.name, real, paths.cache_base);
        return ok();
    }
    return fs::remove_path(real).wrap("remove cache dir");
}

}  // namespace

Status remove(const config::Paths& paths, const spec::GuestSpec& spec, const RemoveOptions& opt) {
    const std::string& name = spec.name;
    const std::string run = paths.guest_run(name);
    auto lock = VS_TRY(state::GuestLock::acquire(run));
    store::sweep_leftovers(paths, name, spec.root);
    // Mounts on the host below a stopped guest's root are an admin's (a bind of /srv/data, an
    // fstab line): refuse before anything changes, and never walk into them.
    const auto policy = opt.force ? store::RootMounts::DetachPseudo : store::RootMounts::Refuse;
    auto owner = VS_TRY(
        store::root_owner(spec.root, name, paths.vdir_base).wrap("delete guest \"{}\"", name));
    // A layered root's own overlay is ours to unmount; any other mount is refused as above.
    if (owner.ours && spec.layered)
        VS_TRY(store::check_layered_mounts(spec).wrap("delete guest \"{}\"", name));
    else if (owner.ours)
        VS_TRY(store::check_root_mounts(owner.real, policy).wrap("delete guest \"{}\"", name));
    VS_TRY(stop_locked(paths, spec, true).wrap("delete guest \"{}\"", name));
    VS_TRY(store::unmount_root(spec).wrap("delete guest \"{}\"", name));
    // The config dir goes last: while it exists the guest is listed, so a delete that fails
    // part-way leaves a guest a second `delete --force` finishes.
    if (owner.ours) {
        VS_TRY(store::remove_root(owner.real, policy)
                   .wrap("delete guest \"{}\": remove guest root", name));
        // A root reached through a link in the roots directory: the link goes with it.
        if (owner.real != spec.root && spec.root == paths.guest_root(name))
            VS_TRY(fs::remove_path(spec.root).wrap("delete guest \"{}\"", name));
    } else if (owner.exists) {
        log::warn("delete guest \"{}\": left its root \"{}\" in place: {}", name, owner.real,
                  owner.why_not);
    }
    // The layer (upper, work), then the base unless another guest's layer uses it.
    VS_TRY(store::remove_layers(spec).wrap("delete guest \"{}\"", name));
    VS_TRY(remove_cache(paths, spec).wrap("delete guest \"{}\"", name));
    VS_TRY(fs::remove_path(console::log_dir(paths, name))
               .wrap("delete guest \"{}\": remove console log dir", name));
    VS_TRY(fs::remove_path(run).wrap("delete guest \"{}\": remove run dir", name));
    VS_TRY(fs::remove_path(spec.config_dir).wrap("delete guest \"{}\": remove config dir", name));
    // The last guest takes the shared cgroup parent with it (stop keeps it for the next start).
    if (auto cg = open_cgroup(paths, name)) (*cg)->remove_unused_parents();
    return ok();
}

}  // namespace vs::runtime
