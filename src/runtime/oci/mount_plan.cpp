// config.json mounts -> mount::Plan.
#include "runtime/oci/mount_plan.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "runtime/oci/devices.hpp"

namespace vs::runtime::oci {

namespace {

bool in(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Result<mount::Plan> container_mount_plan(const spec::oci::Spec& c, bool own_netns, bool userns,
                                         std::vector<mount::CgroupView> cgroups) {
    mount::GuestMounts gm;
    gm.root = c.root->path;
    gm.own_netns = own_netns;
    gm.userns = userns;
    gm.cgroups = std::move(cgroups);
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
        bool bind = m.bind;
        std::vector<std::string> opts;
        for (const auto& o : m.options) {
            // Propagation flags are the mount namespace's business: ours is a slave of the
            // host's, and nothing mounted in the container propagates back.
            if (o == "private" || o == "rprivate" || o == "slave" || o == "rslave" ||
                o == "shared" || o == "rshared" || o == "unbindable" || o == "runbindable")
                continue;
            opts.push_back(o);
        }
        if (bind) {
            e.fstype = "none";
            if (!in(opts, "bind") && !in(opts, "rbind")) opts.push_back("rbind");
            if (!e.source.empty() && e.source[0] != '/') e.source = c.bundle + "/" + e.source;
        }
        e.options = opts.empty() ? "defaults" : str::join(opts, ",");
        gm.fstab.push_back(std::move(e));
    }
    auto plan = VS_TRY(mount::build_plan(gm).wrap("mounts of config.json"));
    // Extra masks and read-only paths go right before pivot_root, after every mount.
    mount::Plan extra;
    // linux.devices, but for the nodes our /dev has already (engines may list them again).
    std::vector<spec::oci::Device> nodes;
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

}  // namespace vs::runtime::oci
