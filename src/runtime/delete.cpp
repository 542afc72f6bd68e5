// delete: stop if needed, then remove the guest's root, config, cache and run dirs.
#include "base/log.hpp"
#include "base/sys.hpp"
#include "runtime/guest.hpp"
#include "runtime/runtime.hpp"
#include "state/lock.hpp"

namespace vs::runtime {

namespace {
Status remove_dir(const std::string& what, const std::string& path) {
    // Never the host's root or a top-level dir, whatever a vdir link says.
    if (path.empty() || path == "/" || path.find('/', 1) == std::string::npos)
        return make_error(EINVAL, "refusing to remove {} \"{}\"", what, path);
    return sys::remove_tree(path).wrap("remove {}", what);
}
}  // namespace

Status remove(const config::Paths& paths, const spec::GuestSpec& spec) {
    std::string run = paths.guest_run(spec.name);
    auto lock = VS_TRY(state::GuestLock::acquire(run));
    VS_TRY(stop_locked(paths, spec, true).wrap("delete guest \"{}\"", spec.name));
    VS_TRY(remove_dir("guest root", spec.root));
    if (!spec.cache_dir.empty()) VS_TRY(remove_dir("cache dir", spec.cache_dir));
    VS_TRY(remove_dir("config dir", spec.config_dir));
    VS_TRY(remove_dir("run dir", run));
    // The last guest takes the shared cgroup parent with it (stop keeps it for the next start).
    if (auto cg = open_cgroup(paths, spec.name)) (*cg)->remove_unused_parents();
    return ok();
}

}  // namespace vs::runtime
