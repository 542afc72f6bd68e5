// flock-based guest lock.
#include "state/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/lock_file.hpp"
#include "base/sys.hpp"

namespace vs::state {

Result<GuestLock> GuestLock::acquire(const std::string& run_dir) {
    std::string path = run_dir + "/lock";
    for (;;) {
        VS_TRY(sys::mkdir_p(run_dir, 0700));
        auto fd = VS_TRY(sys::open_locked(path));
        // delete may have removed the run dir while we waited: then we hold a lock on an
        // unlinked file that nobody else will ever see. Start over on the current file.
        struct stat a {
        }, b{};
        if (::fstat(fd.get(), &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev)
            return GuestLock(std::move(fd));
    }
}

bool GuestLock::held_by_other(const std::string& run_dir) {
    auto fd = sys::open(run_dir + "/lock", O_RDONLY | O_NOFOLLOW);
    if (!fd) return false;
    if (::flock(fd->get(), LOCK_SH | LOCK_NB) < 0) return errno == EWOULDBLOCK;
    ::flock(fd->get(), LOCK_UN);
    return false;
}

Result<HostLock> HostLock::acquire(const std::string& run_base, const std::string& name) {
    VS_TRY(sys::mkdir_p(run_base, 0755));
    std::string path = fmt::format("{}/.{}.lock", run_base, name);
    return HostLock(VS_TRY(sys::open_locked(path)));
}

}  // namespace vs::state
