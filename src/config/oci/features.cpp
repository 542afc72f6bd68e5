// `vsrun features`: what this runtime implements, in runtime-spec features.md's schema.
#include <nlohmann/json.hpp>

#include "config/oci/generate.hpp"
#include "config/oci/parse.hpp"
#include "lsm/active.hpp"
#include "spec/capabilities.hpp"

namespace vs::config::oci {

namespace {

using json = nlohmann::ordered_json;

json strings(const std::vector<std::string>& v) {
    json a = json::array();
    for (const auto& s : v) a.push_back(s);
    return a;
}

}  // namespace

std::string features_json() {
    json capabilities = json::array();
    for (int c = 0; c <= spec::cap_last(); ++c) capabilities.push_back("CAP_" + spec::cap_name(c));
    const SeccompNames sc = seccomp_names();
    json namespaces = json::array();
    for (auto t : {spec::oci::NamespaceType::Cgroup, spec::oci::NamespaceType::Ipc,
                   spec::oci::NamespaceType::Mount, spec::oci::NamespaceType::Network,
                   spec::oci::NamespaceType::Pid, spec::oci::NamespaceType::User,
                   spec::oci::NamespaceType::Uts, spec::oci::NamespaceType::Time})
        namespaces.push_back(std::string(spec::oci::namespace_type_name(t)));
    json f = {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", "1.2.0"},
        {"hooks",
         {"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
          "poststop"}},
        {"mountOptions", strings(known_mount_options())},
        {"linux",
         {
             {"namespaces", namespaces},
             {"capabilities", capabilities},
             // Both cgroup versions and the hybrid layout; --systemd-cgroup is accepted but
             // the cgroups are made through cgroupfs.
             {"cgroup",
              {{"v1", true},
               {"v2", true},
               {"systemd", false},
               {"systemdUser", false},
               {"rdma", false}}},
             {"seccomp",
              {{"enabled", true},
               {"actions", strings(sc.actions)},
               {"operators", strings(sc.operators)},
               {"archs", strings(sc.archs)},
               {"knownFlags", strings(sc.flags)},
               {"supportedFlags", strings(sc.flags)}}},
             {"apparmor", {{"enabled", lsm::active("apparmor")}}},
             {"selinux", {{"enabled", lsm::active("selinux")}}},
             {"intelRdt", {{"enabled", false}}},
             {"mountExtensions", {{"idmap", {{"enabled", true}}}}},
         }},
    };
    return f.dump(4) + "\n";
}

}  // namespace vs::config::oci
