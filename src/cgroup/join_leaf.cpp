// The leaf cgroup joiners of a guest with a delegated cgroup2 subtree go to (join_leaf.hpp).
#include "cgroup/join_leaf.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include "base/sys.hpp"

namespace vs::cgroup {

Result<UniqueFd> open_join_leaf(const std::string& dir) {
    auto parent = VS_TRY(sys::open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW));
    std::string path = dir + "/" + kJoinLeaf;
    // mkdir by the host root: the leaf is ours (uid 0), and cgroupfs gives a new cgroup the
    // parent's enabled controllers, so the guest's limits still hold there.
    if (::mkdirat(parent.get(), kJoinLeaf, 0755) < 0 && errno != EEXIST)
        return errno_error(fmt::format("create cgroup \"{}\"", path));
    // cgroupfs has no symlinks; O_NOFOLLOW only makes that explicit for a single component.
    auto leaf = VS_TRY(sys::open_at(parent.get(), kJoinLeaf, O_PATH | O_DIRECTORY | O_NOFOLLOW));
    struct stat st {};
    if (::fstat(leaf.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (st.st_uid != 0)
        return make_error(EPERM,
                          "cgroup \"{}\" was made by the guest (owner uid {}), not by vserver-ng: "
                          "not joining it; remove it from inside the guest",
                          path, st.st_uid);
    return leaf;
}

}  // namespace vs::cgroup
