// The one lxcfs daemon all guests with virt_mem/virt_cpu/virt_load share: started on demand
// by start under <run dir>/.lxcfs, found again through its pid file, checked without sending
// its FUSE file system a request (a stuck daemon must not hang a host command).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime::lxcfs {

/// <run dir>/.lxcfs (a guest name never starts with '.'), and the mount point in it.
std::string dir(const config::Paths& paths);
std::string mount_point(const config::Paths& paths);

/// True when the guest's flags ask for lxcfs files.
bool wanted(const spec::GuestSpec& spec);

/// The running daemon as its pid file names it, verified by pid, start time and its mount.
struct Daemon {
    pid_t pid = 0;
    std::string dev;  ///< "MAJ:MIN" of its mount (one per FUSE connection)
};
std::optional<Daemon> running(const config::Paths& paths);

/// The daemon's mount point, starting the daemon first when none runs (under a lock, so
/// concurrent starts make one). A dead daemon's mount is detached before the new one is made.
Result<std::string> ensure(const config::Paths& paths);

/// For `status` of a running guest: "" when its lxcfs files are served, else what is wrong
/// and what to do. `init_pid` is the guest's init as the host sees it.
std::string guest_problem(const config::Paths& paths, const std::string& name, pid_t init_pid);

}  // namespace vs::runtime::lxcfs
