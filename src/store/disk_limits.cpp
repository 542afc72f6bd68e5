// Disk limits: backend choice per directory, then btrfs qgroups or project quotas.
#include "store/disk_limits.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>

#include <cerrno>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "base/sys_fs.hpp"
#include "store/btrfs.hpp"
#include "store/project_quota.hpp"

namespace vs::store {

namespace {

// Already tagged (root dir carries the id and PROJINHERIT): new files inherit it, so the
// tree walk at every start is skipped.
bool already_tagged(const std::string& dir, uint32_t project) {
    auto fd = sys::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!fd) return false;
    fsxattr x{};
    if (::ioctl(fd->get(), FS_IOC_FSGETXATTR, &x) < 0) return false;
    return x.fsx_projid == project && (x.fsx_xflags & FS_XFLAG_PROJINHERIT);
}

Status check_directory(const spec::DiskLimit& lim, const std::string& dir) {
    if (dir.empty() || dir.front() != '/')
        return make_error(EINVAL, "dlimits/{}/directory \"{}\": not an absolute path", lim.id, dir);
    if (!sys::is_dir(dir))
        return make_error(ENOENT, "dlimits/{}/directory \"{}\": no such directory", lim.id, dir);
    return ok();
}

}  // namespace

const char* backend_name(QuotaBackend b) {
    return b == QuotaBackend::BtrfsQgroup ? "btrfs-qgroup" : "project-quota";
}

std::string limit_directory(const spec::GuestSpec& spec, const spec::DiskLimit& lim) {
    return lim.directory.empty() ? spec.root : lim.directory;
}

Result<QuotaBackend> quota_backend(const std::string& directory) {
    auto type = VS_TRY(sys::statfs_type(directory));
    auto t = static_cast<unsigned long>(type);
    if (t == BTRFS_SUPER_MAGIC) {
        if (!VS_TRY(btrfs::is_subvolume(directory)))
            return make_error(EINVAL,
                              "\"{}\" is on btrfs but is not a subvolume, so it cannot get its own "
                              "qgroup (build the guest with --rootdir on btrfs to get one)",
                              directory);
        return QuotaBackend::BtrfsQgroup;
    }
    if (t == EXT4_SUPER_MAGIC || t == XFS_SUPER_MAGIC) return QuotaBackend::ProjectQuota;
    return make_error(
        EOPNOTSUPP,
        "\"{}\": file system type {:#x} has no per-guest quota (use btrfs, or ext4/XFS "
        "with project quotas)",
        directory, t);
}

namespace {
// A layered root (store/layered_root.hpp) is an overlay: a quota on its upper dir would count
// only what the guest changed, never its share of the base, and the overlay itself has none.
Status refuse_layered(const spec::GuestSpec& spec) {
    for (const auto& lim : spec.dlimits)
        if (!lim.disabled)
            return make_error(EOPNOTSUPP,
                              "guest \"{}\": dlimits/{}: disk limits are not supported on a "
                              "layered root (an overlay: a quota would count only what the guest "
                              "changed, never the base it shares); disable them "
                              "(dlimits/{}/disabled)",
                              spec.name, lim.id, lim.id);
    return ok();
}
}  // namespace

Status apply_disk_limits(const spec::GuestSpec& spec) {
    if (spec.layered) VS_TRY(refuse_layered(spec));
    for (const auto& lim : spec.dlimits) {
        const std::string dir = limit_directory(spec, lim);
        VS_TRY(check_directory(lim, dir));
        auto backend = VS_TRY(quota_backend(dir).wrap("dlimits/{}", lim.id));
        switch (backend) {
            case QuotaBackend::BtrfsQgroup:
                if (lim.inodes_total)
                    log::warn(
                        "dlimits/{}/inodes_total {}: btrfs qgroups limit bytes only; not "
                        "enforced for \"{}\"",
                        lim.id, lim.inodes_total, dir);
                VS_TRY(btrfs::limit_subvolume(dir, lim.space_total_kib * 1024)
                           .wrap("dlimits/{}", lim.id));
                break;
            case QuotaBackend::ProjectQuota:
                if (!spec.context)
                    return make_error(
                        EINVAL,
                        "dlimits/{}: project quotas use the context as project id, and "
                        "guest {} has no context file",
                        lim.id, spec.name);
                if (!already_tagged(dir, *spec.context))
                    VS_TRY(project_quota::tag_tree(dir, *spec.context).wrap("dlimits/{}", lim.id));
                VS_TRY(
                    project_quota::set_limit(dir, *spec.context, lim).wrap("dlimits/{}", lim.id));
                break;
        }
    }
    return ok();
}

Result<std::vector<DiskUsage>> disk_usage(const spec::GuestSpec& spec) {
    if (spec.layered) VS_TRY(refuse_layered(spec));
    std::vector<DiskUsage> out;
    for (const auto& lim : spec.dlimits) {
        DiskUsage u;
        u.id = lim.id;
        u.directory = limit_directory(spec, lim);
        VS_TRY(check_directory(lim, u.directory));
        u.backend = VS_TRY(quota_backend(u.directory).wrap("dlimits/{}", lim.id));
        if (u.backend == QuotaBackend::BtrfsQgroup) {
            auto q = VS_TRY(btrfs::qgroup_usage(u.directory).wrap("dlimits/{}", lim.id));
            u.space_used_bytes = q.referenced;
            u.space_limit_bytes = q.max_referenced;
        } else {
            if (!spec.context)
                return make_error(EINVAL, "dlimits/{}: guest {} has no context", lim.id, spec.name);
            auto q =
                VS_TRY(project_quota::usage(u.directory, *spec.context).wrap("dlimits/{}", lim.id));
            u.space_used_bytes = q.space_bytes;
            u.space_limit_bytes = q.space_limit_bytes;
            u.inodes_used = q.inodes;
            u.inodes_limit = q.inodes_limit;
            u.inodes_counted = true;
        }
        out.push_back(u);
    }
    return out;
}

}  // namespace vs::store
