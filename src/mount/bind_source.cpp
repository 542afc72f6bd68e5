// fstab bind sources: opened without following symlinks, host kernel filesystems refused.
#include "mount/bind_source.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include <cstdlib>
#include <string_view>

#include "base/sys.hpp"
#include "fs/resolve.hpp"

namespace vs::mount {

namespace {

/// The kernel filesystems whose host instance a bind would hand to the guest unconfined: the
/// host's pids and sysctls (proc), kernel settings (sysfs), every cgroup, the host's ptys,
/// and the host-wide kernel interfaces.
const char* kernel_fs_name(int64_t magic) {
    switch (magic) {
        case PROC_SUPER_MAGIC:
            return "proc";
        case SYSFS_MAGIC:
            return "sysfs";
        case CGROUP_SUPER_MAGIC:
            return "cgroup";
        case CGROUP2_SUPER_MAGIC:
            return "cgroup2";
        case DEVPTS_SUPER_MAGIC:
            return "devpts";
        case DEBUGFS_MAGIC:
            return "debugfs";
        case TRACEFS_MAGIC:
            return "tracefs";
        case SECURITYFS_MAGIC:
            return "securityfs";
        case BPF_FS_MAGIC:
            return "bpf";
        case BINFMTFS_MAGIC:
            return "binfmt_misc";
        case EFIVARFS_MAGIC:
            return "efivarfs";
        case PSTOREFS_MAGIC:
            return "pstore";
        default:
            return nullptr;
    }
}

Result<UniqueFd> open_source_nofollow(const std::string& source) {
    auto fd = fs::open_host_nofollow(source, O_PATH);
    if (fd || fd.error().code != ELOOP) return fd;
    char* real = ::realpath(source.c_str(), nullptr);
    std::string hint = real ? fmt::format(" (it now resolves to \"{}\")", real) : "";
    ::free(real);
    return make_error(ELOOP,
                      "bind source \"{}\" goes through a symlink{}: fstab bind sources are "
                      "opened without following symlinks, so that a directory a guest can write "
                      "cannot redirect them; give a path without symlinks",
                      source, hint);
}

}  // namespace

Result<UniqueFd> open_bind_source(const std::string& source) {
    auto src = VS_TRY(open_source_nofollow(source));
    struct statfs fs {};
    if (::fstatfs(src.get(), &fs) < 0)
        return errno_error(fmt::format("statfs bind source \"{}\"", source));
    if (const char* k = kernel_fs_name(static_cast<int64_t>(fs.f_type))) {
        std::string_view kind = k;
        bool own = kind == "proc" || kind == "sysfs" || kind == "devpts";
        return make_error(EPERM,
                          "bind source \"{}\" is on the host's {}: the guest would reach the "
                          "host's instance without the confinement of its own{}",
                          source, k,
                          own ? fmt::format(" (an fstab line of type {} mounts the guest's own)", k)
                              : std::string());
    }
    return src;
}

}  // namespace vs::mount
