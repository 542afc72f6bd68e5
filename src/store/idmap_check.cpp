// check_idmap_support: probe mount_setattr(MOUNT_ATTR_IDMAP) on the roots' filesystem at build.
#include "store/idmap_check.hpp"

#include <sys/statfs.h>

#include <cerrno>

#include "base/sys.hpp"
#include "config/vserver/id_maps.hpp"
#include "mount/idmap.hpp"
#include "ns/scratch_userns.hpp"

namespace vs::store {

namespace {

std::string nearest_existing_dir(std::string p) {
    while (p.size() > 1 && !sys::is_dir(p)) {
        auto s = p.find_last_of('/');
        p = s == 0 || s == std::string::npos ? "/" : p.substr(0, s);
    }
    return p;
}

/// statfs(2) f_type names for the message (the common ones; others as hex).
std::string fs_name(int64_t t) {
    switch (static_cast<uint64_t>(t)) {
        case 0xEF53:
            return "ext4";
        case 0x58465342:
            return "xfs";
        case 0x9123683E:
            return "btrfs";
        case 0x01021994:
            return "tmpfs";
        case 0x858458F6:
            return "ramfs";
        case 0x794C7630:
            return "overlayfs";
        case 0x01021997:
            return "9p";
        case 0x6969:
            return "nfs";
        case 0x65735546:
            return "fuse";
        case 0x2FC12FC1:
            return "zfs";
        case 0xFF534D42:
            return "cifs";
        case 0x73717368:
            return "squashfs";
        default:
            return fmt::format("filesystem type {:#x}", static_cast<uint64_t>(t));
    }
}

}  // namespace

Status check_idmap_support(const std::string& root) {
    std::string dir = nearest_existing_dir(root);
    // Any range will do for the probe; this one is a guest's (context 2).
    auto userns = VS_TRY(ns::scratch_userns(2u * 65536u, 65536u));
    if (VS_TRY(mount::can_idmap(dir, userns.get()))) return ok();
    struct statfs fs {};
    std::string type = ::statfs(dir.c_str(), &fs) == 0 ? fs_name(static_cast<int64_t>(fs.f_type))
                                                       : std::string("unknown filesystem");
    return make_error(EOPNOTSUPP,
                      "the filesystem of \"{}\" ({}) cannot do idmapped mounts, which a "
                      "user-namespaced guest's root needs; put the guest roots on ext4, xfs, "
                      "btrfs or tmpfs (Linux 6.3+) with --rootdir, or build a classic guest with "
                      "--no-userns (guest root is host root: not root-safe)",
                      dir, type);
}

Status check_id_range_free(const config::Paths& paths, const std::string& name, uint32_t context) {
    const uint64_t lo = uint64_t{context} * 65536u, hi = lo + 65536u;
    for (const auto& m : VS_TRY(config::vserver::id_maps_of_other_guests(paths, name))) {
        const uint64_t base = m.map.host_base, end = base + m.map.count;
        if (base < hi && lo < end)
            return make_error(EEXIST,
                              "the host ids of context {} ({}..{}) overlap guest {}'s id map "
                              "\"{} {}\" ({}); choose another --context",
                              context, lo, hi - 1, m.guest, base, m.map.count, m.path);
    }
    return ok();
}

}  // namespace vs::store
