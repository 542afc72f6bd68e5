// cgroupsPath forms.
#include "runtime/oci/cgroup_path.hpp"

#include "base/strings.hpp"

namespace vs::runtime::oci {

Result<CgroupLocation> cgroup_location(const std::string& path, const std::string& id,
                                       bool systemd) {
    auto bad = [&](const char* why) {
        return make_error(EINVAL, "linux.cgroupsPath \"{}\": {}", path, why);
    };
    if (path.empty()) return CgroupLocation{"vsrun", id};
    auto colon = str::split(path, ':');
    if (systemd || (path[0] != '/' && colon.size() == 3 && path.find('/') == std::string::npos)) {
        if (colon.size() != 3) return bad("the systemd form is slice:prefix:name");
        std::string slice = colon[0].empty() ? "system.slice" : colon[0];
        std::string name = colon[1].empty() ? colon[2] : colon[1] + "-" + colon[2];
        if (slice == "." || slice == ".." || name == "." || name == "..")
            return bad("\".\" and \"..\" are not cgroup names");
        return CgroupLocation{slice, name + ".scope"};
    }
    auto parts = str::split(path, '/');
    for (const auto& p : parts)
        if (p == "." || p == "..") return bad("\".\" and \"..\" are not cgroup names");
    if (parts.empty()) return bad("no cgroup name in it");
    CgroupLocation l;
    l.name = parts.back();
    parts.pop_back();
    l.parent = parts.empty() ? "vsrun" : str::join(parts, "/");
    return l;
}

}  // namespace vs::runtime::oci
