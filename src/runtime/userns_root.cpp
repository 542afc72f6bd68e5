// The idmapped root of a user-namespaced guest, made on the host and handed to its init.
#include "runtime/userns_root.hpp"

#include "base/log.hpp"
#include "mount/idmap.hpp"

namespace vs::runtime {

Status send_idmapped_root(const spec::GuestSpec& spec, proc::Child& init) {
    auto tree = VS_TRY(mount::idmapped_tree(spec.root, init.pidfd.pid()));
    if (!tree) {
        log::warn(
            "guest \"{}\": the filesystem of \"{}\" cannot be idmapped; the guest's files show as "
            "nobody inside it",
            spec.name, spec.root);
        return ok();
    }
    return init.channel.send_fd(tree->get());
}

}  // namespace vs::runtime
