// Which mounts sit in a tree: mount ids from statx(2) and the lines of /proc/self/mountinfo.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::fs {

/// One line of /proc/self/mountinfo (proc(5)), unescaped.
struct MountEntry {
    uint64_t id = 0;            ///< the same number statx(2) reports as stx_mnt_id
    std::string root;           ///< the part of the source file system mounted ("/" for all)
    std::string mount_point;    ///< where, as the host sees it
    std::string fstype;         ///< "proc", "ext4", ...
    std::string source;         ///< "/dev/sda1", "proc", ...
    std::string dev;            ///< "MAJ:MIN" of the file system (one per FUSE connection)
    std::string super_options;  ///< as mountinfo shows them: comma-separated, each escaped
    /// What an admin needs to recognise it: `/srv/x (ext4 /dev/sda1, bind of /data)`.
    std::string describe() const;
};

/// The value of the super option `name` ("upperdir" of an overlay), unescaped; nullopt when
/// absent or a flag without a value.
std::optional<std::string> super_option(const MountEntry& m, std::string_view name);

/// The mount id of the file system an fd is on (statx STATX_MNT_ID, Linux 5.8).
Result<uint64_t> mount_id(int fd);

/// Every line of /proc/self/mountinfo, or of another mountinfo file (/proc/PID/mountinfo: the
/// mount points as that process sees them).
Result<std::vector<MountEntry>> read_mountinfo(const std::string& file = "/proc/self/mountinfo");

/// The mount with this id, if it is still mounted.
std::optional<MountEntry> find_mount(uint64_t id);

/// The mounts at `path` or below it (a clean absolute path), deepest first, so unmounting in
/// this order takes children before their parents.
Result<std::vector<MountEntry>> mounts_below(const std::string& path);

/// Kernel pseudo file systems that hold no data (proc, sysfs, devpts...): what debootstrap or
/// an interrupted build leaves mounted in a new root. Detaching one loses nothing.
bool is_pseudo_fs(const MountEntry& m);

}  // namespace vs::fs
