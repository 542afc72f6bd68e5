// The OCI capability sets and the user change of an OCI process.
#include "caps/sets.hpp"

#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "caps/apply.hpp"
#include "caps/cap_set.hpp"

namespace vs::caps {

Status apply_sets(const Sets& s, uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
    const int last = VS_TRY(kernel_last_cap());
    const uint64_t known = last == 63 ? ~uint64_t{0} : ((uint64_t{1} << (last + 1)) - 1);
    for (int c = 0; c <= last; ++c) {
        if (s.bounding & (uint64_t{1} << c)) continue;
        if (cap_drop_bound(static_cast<cap_value_t>(c)) != 0)
            return errno_error(fmt::format("drop capability {} from the bounding set", c));
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return errno_error("clear the ambient capability set");
    // Keep the permitted set over setresuid: the sets asked for are set right after it.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return errno_error("prctl PR_SET_KEEPCAPS 1");
    // A user namespace made without privilege refuses setgroups for good ("deny" in
    // /proc/self/setgroups, user_namespaces(7)): the inherited list then cannot change, which
    // is fine when none is asked for (runc skips it too) and an error when some are.
    if (::setgroups(groups.size(), groups.data()) != 0) {
        int err = errno;
        auto mode = sys::read_file("/proc/self/setgroups");
        bool denied = err == EPERM && mode && str::trim(*mode) == "deny";
        if (denied && !groups.empty())
            return make_error(EPERM,
                              "setgroups ({} groups): the user namespace denies it "
                              "(/proc/self/setgroups is \"deny\")",
                              groups.size());
        if (!denied) return Error(err, fmt::format("setgroups ({} groups)", groups.size()));
    }
    if (::setresgid(gid, gid, gid) != 0) return errno_error(fmt::format("setresgid {}", gid));
    if (::setresuid(uid, uid, uid) != 0) return errno_error(fmt::format("setresuid {}", uid));
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return errno_error("prctl PR_SET_KEEPCAPS 0");
    CapSet next(cap_init());
    if (!next) return errno_error("allocate a capability set");
    for (int c = 0; c <= last; ++c) {
        const uint64_t bit = uint64_t{1} << c;
        cap_value_t v = static_cast<cap_value_t>(c);
        // Permitted must hold what effective and ambient hold (capabilities(7)).
        if ((s.permitted | s.effective | s.ambient) & bit & known)
            if (cap_set_flag(next.get(), CAP_PERMITTED, 1, &v, CAP_SET) != 0)
                return errno_error("build the permitted set");
        if (s.effective & bit & known)
            if (cap_set_flag(next.get(), CAP_EFFECTIVE, 1, &v, CAP_SET) != 0)
                return errno_error("build the effective set");
        if ((s.inheritable | s.ambient) & bit & known)
            if (cap_set_flag(next.get(), CAP_INHERITABLE, 1, &v, CAP_SET) != 0)
                return errno_error("build the inheritable set");
    }
    if (cap_set_proc(next.get()) != 0)
        return errno_error(fmt::format("set capabilities effective={} permitted={} inheritable={}",
                                       format_mask(s.effective), format_mask(s.permitted),
                                       format_mask(s.inheritable)));
    for (int c = 0; c <= last; ++c)
        if (s.ambient & (uint64_t{1} << c))
            if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
                return errno_error(fmt::format("raise capability {} in the ambient set", c));
    return ok();
}

}  // namespace vs::caps
