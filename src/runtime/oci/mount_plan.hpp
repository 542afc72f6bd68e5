// The container's mount plan: our hardened /proc, /sys, /dev and cgroup view (mount::build_plan),
// config.json's other mounts in order, its extra masked and read-only paths, a read-only root.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "mount/plan.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

/// Relative bind sources are taken from the bundle; `own_netns` (a network namespace that is not
/// the host's, owned by the container's user namespace if it has one) lets /sys be a fresh sysfs;
/// `cgroups` is the container's cgroup view. config.json mounts on the targets we always provide
/// (/proc, /sys, /sys/fs/cgroup, /dev, /dev/pts, /dev/shm, /dev/mqueue) are replaced by ours, with
/// the masks of security.md §1.4. A mount whose options do not parse, or a relative destination, is
/// an error naming mounts[i]. Each mount's attributes (set and cleared, on the mount and on its
/// whole tree), propagation and tmpcopyup go into its op, and linux.rootfsPropagation into the
/// root's. Idmapped binds take a tree the host makes (make_idmapped_tree): `idmapped` gets their
/// indexes in mounts[], in the order of Op::tree.
Result<mount::Plan> container_mount_plan(const spec::oci::Spec& c, bool own_netns, bool userns,
                                         std::vector<mount::CgroupView> cgroups,
                                         std::vector<size_t>* idmapped = nullptr);

/// MS_* flags of a propagation change (MS_REC for the "r" forms); 0 for None.
unsigned long propagation_flags(const spec::oci::PropagationChange& p);

/// The detached, idmapped copy of bind mount `m` (mounts[index]) with its attributes: through
/// a user namespace with its own uidMappings/gidMappings, or else `userns_fd` (the
/// container's). Made on the host: idmapping a mount needs CAP_SYS_ADMIN over its filesystem.
Result<UniqueFd> make_idmapped_tree(const spec::oci::Mount& m, size_t index, int userns_fd);

}  // namespace vs::runtime::oci
