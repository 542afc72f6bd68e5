// config.json mounts -> mount::Plan.
#include "runtime/oci/mount_plan.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include <algorithm>

#include "base/strings.hpp"
#include "fs/resolve.hpp"
#include "mount/mount_api.hpp"
#include "ns/scratch_userns.hpp"
#include "runtime/oci/devices.hpp"
#include "runtime/oci/id_maps.hpp"

namespace vs::runtime::oci {

namespace {

namespace so = spec::oci;

bool in(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

/// The attributes build_plan gave a mount of this type on its own (proc, sysfs and devpts get
/// the guest's hardening), with config.json's set over them. What build_plan forces is never
/// cleared: config.json's "rw" on a sysfs does not make it writable.
uint64_t merged_attrs(uint64_t forced, const so::Mount& m) {
    uint64_t a = forced;
    if (m.attr_clr & so::kAttrAtimeMask) a &= ~uint64_t{so::kAttrAtimeMask};
    return a | m.attr_set;
}

/// Refines the op build_plan made for mounts[i].
void refine(mount::Op& o, const so::Mount& m, size_t i) {
    o.what = fmt::format("mounts[{}]", i);
    o.propagation = propagation_flags(m.propagation);
    if (o.kind == mount::OpKind::NewFs) {
        o.attrs = merged_attrs(o.attrs, m);
        o.tmpcopyup = m.tmpcopyup;
        return;
    }
    if (o.kind != mount::OpKind::Bind) return;
    // A bind build_plan made restricted (a sysfs line without a network namespace of the
    // container's own is the host's /sys, bound read-only) keeps those restrictions.
    const uint64_t forced = o.attrs & ~uint64_t{so::kAttrAtimeMask};
    o.attrs = merged_attrs(o.attrs, m);
    // Cleared on the mount itself only: a "rw" of an rbind does not open submounts the host
    // keeps read-only; the "r" forms ask for the whole tree.
    o.attrs_clr = m.attr_clr & ~forced;
    o.rec_attrs_set = m.rec_attr_set;
    o.rec_attrs_clr = m.rec_attr_clr & ~forced;
}

}  // namespace

unsigned long propagation_flags(const so::PropagationChange& p) {
    unsigned long f = 0;
    switch (p.type) {
        case so::Propagation::None:
            return 0;
        case so::Propagation::Private:
            f = MS_PRIVATE;
            break;
        case so::Propagation::Shared:
            f = MS_SHARED;
            break;
        case so::Propagation::Slave:
            f = MS_SLAVE;
            break;
        case so::Propagation::Unbindable:
            f = MS_UNBINDABLE;
            break;
    }
    return p.recursive ? f | MS_REC : f;
}

Result<mount::Plan> container_mount_plan(const so::Spec& c, bool own_netns, bool userns,
                                         std::vector<mount::CgroupView> cgroups,
                                         std::vector<size_t>* idmapped) {
    mount::GuestMounts gm;
    gm.root = c.root->path;
    gm.own_netns = own_netns;
    gm.userns = userns;
    // A user namespace mapping gids without 5 (a rootless one maps its caller's gid alone).
    if (!c.linux.gid_mappings.empty())
        gm.tty_group = std::any_of(c.linux.gid_mappings.begin(), c.linux.gid_mappings.end(),
                                   [](const so::IdMapping& m) {
                                       return m.container_id <= 5 && 5 - m.container_id < m.size;
                                   });
    gm.cgroups = std::move(cgroups);
    std::vector<size_t> from;  // gm.fstab[k] is mounts[from[k]]
    for (size_t i = 0; i < c.mounts.size(); ++i) {
        const auto& m = c.mounts[i];
        if (m.destination.empty() || m.destination[0] != '/')
            return make_error(EINVAL, "mounts[{}].destination \"{}\" is not an absolute path", i,
                              m.destination);
        if (mount::is_managed_target(m.destination)) continue;
        spec::FstabEntry e;
        e.target = m.destination;
        e.source = m.source;
        e.fstype = m.type.empty() ? "none" : m.type;
        // Only what build_plan must see: bind or not, and the filesystem's parameters (one per
        // option: the parser refused a ',' in any). The attributes go into the op below.
        std::vector<std::string> opts;
        if (m.bind) {
            e.fstype = "none";
            opts.push_back(m.recursive ? "rbind" : "bind");
            if (!e.source.empty() && e.source[0] != '/') e.source = c.bundle + "/" + e.source;
        }
        for (const auto& [k, v] : m.data) opts.push_back(v.empty() ? k : k + "=" + v);
        e.options = opts.empty() ? "defaults" : str::join(opts, ",");
        gm.fstab.push_back(std::move(e));
        from.push_back(i);
    }
    auto plan = VS_TRY(mount::build_plan(gm).wrap("mounts of config.json"));
    for (auto& o : plan) {
        if (o.origin < 0) continue;
        size_t i = from.at(static_cast<size_t>(o.origin));
        const auto& m = c.mounts[i];
        refine(o, m, i);
        if (m.idmap && o.kind == mount::OpKind::Bind) {
            o.tree = idmapped ? static_cast<int>(idmapped->size()) : -1;
            if (idmapped) idmapped->push_back(i);
        }
    }
    // linux.rootfsPropagation: "/" gets it instead of rslave (and the root is made shared or
    // unbindable once it is "/").
    if (unsigned long rp = propagation_flags(c.linux.rootfs_propagation)) {
        for (auto& o : plan) {
            if (o.kind == mount::OpKind::MakeRslave) {
                o.propagation = rp;
                o.source = c.root->path;
                o.what = "linux.rootfsPropagation";
            }
            if (o.kind == mount::OpKind::PivotRoot && (rp & (MS_SHARED | MS_UNBINDABLE))) {
                o.propagation = rp;
                o.what = "linux.rootfsPropagation";
            }
        }
    }
    // Extra masks and read-only paths go right before pivot_root, after every mount.
    mount::Plan extra;
    // linux.devices, but for the nodes our /dev has already (engines may list them again).
    std::vector<so::Device> nodes;
    for (const auto& d : c.linux.devices) {
        static const std::vector<std::string> ours = {"/dev/null",   "/dev/zero", "/dev/full",
                                                      "/dev/random", "/dev/tty",  "/dev/urandom",
                                                      "/dev/ptmx"};
        if (!in(ours, d.path)) nodes.push_back(d);
    }
    extra = VS_TRY(device_ops(nodes));
    for (const auto& p : c.linux.masked_paths) {
        if (in(mount::masked_paths(), p)) continue;
        mount::Op o{mount::OpKind::MaskPath, p};
        o.optional = true;
        extra.push_back(o);
    }
    for (const auto& p : c.linux.readonly_paths) {
        if (in(mount::readonly_paths(), p)) continue;
        mount::Op o{mount::OpKind::ReadOnly, p};
        o.optional = true;
        extra.push_back(o);
    }
    if (c.root->readonly) extra.push_back(mount::Op{mount::OpKind::SealReadOnly, "/"});
    auto pivot = std::find_if(plan.begin(), plan.end(), [](const mount::Op& o) {
        return o.kind == mount::OpKind::PivotRoot;
    });
    plan.insert(pivot, extra.begin(), extra.end());
    return plan;
}

Result<UniqueFd> make_idmapped_tree(const so::Mount& m, size_t index, int userns_fd) {
    std::string what = fmt::format("mounts[{}] \"{}\"", index, m.destination);
    // As every config.json bind source: not through a symlink (the source may sit in a volume
    // another container writes).
    // (The kernel's own filesystems cannot be idmapped: the mount_setattr below refuses them.)
    auto src = VS_TRY(fs::open_host_nofollow(m.source, O_PATH).wrap("{}: source", what));
    auto tree = VS_TRY(mount::clone_tree(src.get(), "", m.recursive).wrap("{}", what));
    UniqueFd own;
    if (!m.uid_mappings.empty()) {
        own = VS_TRY(ns::scratch_userns_maps(map_text(m.uid_mappings), map_text(m.gid_mappings))
                         .wrap("{}: uidMappings/gidMappings", what));
        userns_fd = own.get();
    }
    struct mount_attr a {};
    a.attr_set = MOUNT_ATTR_IDMAP;
    a.userns_fd = static_cast<uint64_t>(userns_fd);
    unsigned flags = AT_EMPTY_PATH | (m.idmap_recursive ? AT_RECURSIVE : 0u);
    if (::mount_setattr(tree.get(), "", flags, &a, sizeof a) < 0) {
        if (errno == EINVAL || errno == EOPNOTSUPP)
            return errno_error(fmt::format(
                "{}: the filesystem of \"{}\" cannot be idmapped here (mount_setattr "
                "MOUNT_ATTR_IDMAP; the kernel allows it on ext4, xfs, btrfs, tmpfs, ...)",
                what, m.source));
        return errno_error(fmt::format("{}: idmap \"{}\"", what, m.source));
    }
    // As do_bind of the executor: the attributes set go over the tree of an rbind, the atime
    // mode and what is cleared only on the mount itself.
    const uint64_t atime = (m.attr_clr & so::kAttrAtimeMask) ? m.attr_set & so::kAttrAtimeMask : 0;
    VS_TRY(mount::change_attrs(tree.get(), m.attr_set & ~atime, 0, m.recursive, m.source)
               .wrap("{}", what));
    VS_TRY(mount::change_attrs(tree.get(), atime, m.attr_clr, false, m.source).wrap("{}", what));
    VS_TRY(mount::change_attrs(tree.get(), m.rec_attr_set, m.rec_attr_clr, true, m.source)
               .wrap("{}", what));
    return tree;
}

}  // namespace vs::runtime::oci
