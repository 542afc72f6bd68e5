// linux.resources.devices and linux.devices.
#include "runtime/oci/devices.hpp"

#include <fmt/format.h>

namespace vs::runtime::oci {

namespace {

std::string num(const std::optional<int64_t>& n) { return n ? std::to_string(*n) : "*"; }

}  // namespace

std::vector<cgroup::DeviceRule> device_rules(const std::vector<spec::oci::DeviceRule>& rules,
                                             const std::vector<spec::oci::Device>& nodes) {
    std::vector<cgroup::DeviceRule> out;
    for (const auto& r : rules) {
        if (r.type == 'a' && !r.major && !r.minor) {
            out.push_back({r.allow, "a"});
            continue;
        }
        out.push_back({r.allow, fmt::format("{} {}:{} {}", r.type, num(r.major), num(r.minor),
                                            r.access.empty() ? "rwm" : r.access)});
    }
    for (const char* d : {"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                          "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"})
        out.push_back({true, d});
    for (const auto& n : nodes)
        if (n.type == 'c' || n.type == 'u')
            out.push_back({true, fmt::format("c {}:{} rwm", n.major, n.minor)});
    return out;
}

Result<mount::Plan> device_ops(const std::vector<spec::oci::Device>& nodes) {
    mount::Plan p;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const auto& n = nodes[i];
        if (n.type != 'c' && n.type != 'u')
            return make_error(ENOTSUP,
                              "linux.devices[{}] \"{}\": type '{}' is not supported (character "
                              "devices only)",
                              i, n.path, n.type);
        if (n.uid.value_or(0) != 0 || n.gid.value_or(0) != 0)
            return make_error(ENOTSUP,
                              "linux.devices[{}] \"{}\": an owner other than root is not "
                              "supported",
                              i, n.path);
        auto slash = n.path.rfind('/');
        if (slash > 0) {
            mount::Op d{mount::OpKind::Mkdir, n.path.substr(0, slash)};
            d.mode = 0755;
            p.push_back(d);
        }
        mount::Op o{mount::OpKind::Device, n.path};
        o.source = n.path;  // the host's node, bound in a user namespace
        o.major = static_cast<unsigned>(n.major);
        o.minor = static_cast<unsigned>(n.minor);
        o.mode = n.file_mode.value_or(0666) & 07777;
        p.push_back(o);
    }
    return p;
}

}  // namespace vs::runtime::oci
