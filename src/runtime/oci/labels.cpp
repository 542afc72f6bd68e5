// The LSM labels of an OCI container, refused where the kernel does not run their LSM.
#include "runtime/oci/labels.hpp"

#include <errno.h>

#include "lsm/active.hpp"

namespace vs::runtime::oci {

namespace {

Status need(const char* lsm, const char* field, const std::string& value) {
    if (value.empty() || lsm::active(lsm)) return ok();
    return make_error(ENOTSUP,
                      "{} \"{}\": the kernel has no {} (it is not among the running LSMs): the "
                      "container is not run without the confinement it asks for",
                      field, value, lsm);
}

}  // namespace

Status check_labels(const spec::oci::Process& p, const std::string& mount_label) {
    VS_TRY(need("apparmor", "process.apparmorProfile", p.apparmor_profile));
    VS_TRY(need("selinux", "process.selinuxLabel", p.selinux_label));
    VS_TRY(need("selinux", "linux.mountLabel", mount_label));
    if (!mount_label.empty())
        return make_error(ENOTSUP,
                          "linux.mountLabel \"{}\": SELinux mount contexts are not supported",
                          mount_label);
    return ok();
}

}  // namespace vs::runtime::oci
