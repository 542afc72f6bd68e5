// The LSM labels of an OCI container: process.apparmorProfile, process.selinuxLabel and
// linux.mountLabel, refused where the kernel does not run their LSM.
#pragma once

#include <string>

#include "base/result.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

/// Refuses (ENOTSUP, naming the field, its value and the LSM) a profile or label whose LSM the
/// kernel does not run: a container that asks for confinement never runs without it. Engines
/// ask for labels only where the LSM runs (podman and containerd check first), so on such a
/// host a label is a configuration for another machine. `mount_label` is linux.mountLabel
/// (create only; exec passes ""); SELinux mount contexts are refused on SELinux hosts too,
/// vsrun does not implement them.
Status check_labels(const spec::oci::Process& p, const std::string& mount_label);

}  // namespace vs::runtime::oci
