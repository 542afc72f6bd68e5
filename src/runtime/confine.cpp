// In-child confinement.
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

Result<seccomp::Program> guest_filter(const config::Paths& paths, const spec::GuestSpec& spec) {
    seccomp::ProfileOptions so;
    so.caps = spec.caps.bounding;
    so.allow_nesting = spec.caps.allow_namespaces;
    so.allow_tiocsti = has(spec.caps.ccaps, "tiocsti");
    so.allow_syslog = has(spec.caps.ccaps, "syslog");
    return seccomp::compile_cached(spec.seccomp_profile, so, paths.cache_base + "/seccomp")
        .wrap("seccomp profile \"{}\"", spec.seccomp_profile);
}

Status confine_in_child(const spec::GuestSpec& spec, const seccomp::Program& filter) {
    if (spec.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return errno_error("prctl PR_SET_NO_NEW_PRIVS");
    VS_TRY(seccomp::load_program(filter).wrap("seccomp profile \"{}\"", spec.seccomp_profile));
    VS_TRY(caps::apply_in_child(spec.caps).wrap("capabilities"));
    return ok();
}

}  // namespace vs::runtime
