// linux.resources.devices and linux.devices.
#include "runtime/oci/devices.hpp"

#include <fmt/format.h>

namespace vs::runtime::oci {

cgroup::DeviceRule to_cgroup_rule(const spec::oci::DeviceRule& r) {
    cgroup::DeviceRule c;
    c.allow = r.allow;
    c.type = r.type;
    c.major = r.major.value_or(-1);
    c.minor = r.minor.value_or(-1);
    c.access = 0;
    for (char a : r.access.empty() ? std::string("rwm") : r.access)
        c.access |= a == 'r' ? cgroup::kDevRead : a == 'w' ? cgroup::kDevWrite : cgroup::kDevMknod;
    return c;
}

std::vector<cgroup::DeviceRule> default_device_rules(const std::vector<cgroup::DeviceRule>& nodes) {
    // null, zero, full, random, urandom; tty, console, ptmx; the devpts ptys (major 136);
    // /dev/net/tun. runc also allows mknod of any node ("c *:* m", "b *:* m"); not here: a
    // node the rules deny cannot be made either.
    constexpr std::pair<int, int> kNodes[] = {{1, 3}, {1, 5}, {1, 7}, {1, 8},    {1, 9},
                                              {5, 0}, {5, 1}, {5, 2}, {136, -1}, {10, 200}};
    std::vector<cgroup::DeviceRule> out;
    for (auto [major, minor] : kNodes) out.push_back({true, 'c', major, minor, cgroup::kDevAll});
    out.insert(out.end(), nodes.begin(), nodes.end());
    return out;
}

std::vector<cgroup::DeviceRule> node_rules(const std::vector<spec::oci::Device>& nodes) {
    std::vector<cgroup::DeviceRule> out;
    for (const auto& n : nodes)
        if (n.type == 'c' || n.type == 'u' || n.type == 'b')
            out.push_back({true, n.type == 'b' ? 'b' : 'c', n.major, n.minor, cgroup::kDevAll});
    return out;
}

cgroup::DeviceState device_state(const std::vector<spec::oci::DeviceRule>& rules,
                                 const std::vector<cgroup::DeviceRule>& nodes) {
    std::vector<cgroup::DeviceRule> all;
    for (const auto& r : rules) all.push_back(to_cgroup_rule(r));
    auto d = default_device_rules(nodes);
    all.insert(all.end(), d.begin(), d.end());
    return cgroup::device_state(all);
}

Result<mount::Plan> device_ops(const std::vector<spec::oci::Device>& nodes) {
    mount::Plan p;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const auto& n = nodes[i];
        if (n.type != 'c' && n.type != 'u' && n.type != 'b')
            return make_error(ENOTSUP,
                              "linux.devices[{}] \"{}\": type '{}' is not supported (character "
                              "and block devices only)",
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
        o.block = n.type == 'b';
        p.push_back(o);
    }
    return p;
}

}  // namespace vs::runtime::oci
