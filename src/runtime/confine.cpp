// In-child confinement.
#include "base/try_wrap.hpp"
#include "runtime/confine.hpp"

#include <sys/prctl.h>

#include <algorithm>

#include "caps/apply.hpp"
#include "seccomp/profile.hpp"

namespace vs::runtime {

namespace {
bool has(const std::vector<std::string>& v, const char* s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

Status confine_in_child(const spec::GuestSpec& spec) {
    if (spec.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return errno_error("prctl PR_SET_NO_NEW_PRIVS");
    seccomp::ProfileOptions so;
    so.caps = spec.caps.bounding;
    so.allow_nesting = spec.caps.allow_namespaces;
    so.allow_tiocsti = has(spec.caps.ccaps, "tiocsti");
    so.allow_syslog = has(spec.caps.ccaps, "syslog");
    VS_TRY_WRAP(seccomp::load_profile(spec.seccomp_profile, so), "seccomp profile \"{}\"", spec.seccomp_profile);
    VS_TRY_WRAP(caps::apply_in_child(spec.caps), "capabilities");
    return ok();
}

}  // namespace vs::runtime
