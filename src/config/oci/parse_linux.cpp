// config.json's "linux": namespaces, id mappings, devices, sysctl, paths, personality, time.
#include <sys/personality.h>

#include <cerrno>
#include <set>

#include "base/strings.hpp"
#include "config/oci/parse.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

Result<std::vector<so::Namespace>> parse_namespaces(const Node& n) {
    static constexpr so::NamespaceType kAll[] = {
        so::NamespaceType::Pid,    so::NamespaceType::Network, so::NamespaceType::Mount,
        so::NamespaceType::Ipc,    so::NamespaceType::Uts,     so::NamespaceType::User,
        so::NamespaceType::Cgroup, so::NamespaceType::Time,
    };
    std::vector<so::Namespace> out;
    for (const auto& e : VS_TRY(n.elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"type", "path"});
        auto type = e["type"].str();
        if (!type) return std::move(type).error();
        std::optional<so::NamespaceType> t;
        for (auto k : kAll)
            if (*type == so::namespace_type_name(k)) t = k;
        if (!t) return e["type"].error("unknown namespace {}", e["type"].show());
        // The spec: "a runtime MUST generate an error" for a type given twice.
        for (const auto& o : out)
            if (o.type == *t) return e["type"].error("namespace {} given twice", e["type"].show());
        so::Namespace ns{*t, ""};
        if (e["path"].present()) {
            ns.path = VS_TRY(e["path"].str());
            // An empty path is how Go writes "no path" when it does not omit the field.
            if (!ns.path.empty()) ns.path = VS_TRY(e["path"].abs_path());
        }
        out.push_back(std::move(ns));
    }
    return out;
}

Result<std::vector<so::Device>> parse_devices(const Node& n) {
    std::vector<so::Device> out;
    std::set<std::string> paths;
    for (const auto& e : VS_TRY(n.elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"type", "path", "major", "minor", "fileMode", "uid", "gid"});
        so::Device d;
        d.type = VS_TRY(e["type"].letter("cbup"));
        if (!e["path"].present()) return e["path"].error("required");
        d.path = VS_TRY(e["path"].abs_path());
        if (!paths.insert(d.path).second) return e["path"].error("{} given twice", d.path);
        if (d.type != 'p') {
            for (const char* k : {"major", "minor"})
                if (!e[k].present()) return e[k].error("required for a {} device", d.type);
            // The kernel's dev_t: 12 bits of major, 20 of minor (MKDEV).
            d.major = VS_TRY(e["major"].int_in(0, (1 << 12) - 1));
            d.minor = VS_TRY(e["minor"].int_in(0, (1 << 20) - 1));
        }
        if (e["fileMode"].present()) {
            d.file_mode = VS_TRY(e["fileMode"].u32());
            if (*d.file_mode > 07777)
                return e["fileMode"].error("{:#o} is not a permission mode", *d.file_mode);
        }
        if (e["uid"].present()) d.uid = VS_TRY(e["uid"].u32());
        if (e["gid"].present()) d.gid = VS_TRY(e["gid"].u32());
        out.push_back(std::move(d));
    }
    return out;
}

Result<so::PropagationChange> parse_propagation(const Node& n) {
    std::string v = VS_TRY(n.str());
    static constexpr std::pair<const char*, so::PropagationChange> kTable[] = {
        {"private", {so::Propagation::Private, false}},
        {"rprivate", {so::Propagation::Private, true}},
        {"shared", {so::Propagation::Shared, false}},
        {"rshared", {so::Propagation::Shared, true}},
        {"slave", {so::Propagation::Slave, false}},
        {"rslave", {so::Propagation::Slave, true}},
        {"unbindable", {so::Propagation::Unbindable, false}},
        {"runbindable", {so::Propagation::Unbindable, true}},
    };
    for (const auto& [name, c] : kTable)
        if (v == name) return c;
    return n.error(
        "unknown propagation {} (private, shared, slave, unbindable, each also "
        "with r)",
        n.show());
}

Result<std::vector<std::string>> parse_paths(const Node& n) {
    std::vector<std::string> out;
    for (const auto& e : VS_TRY(n.elements())) out.push_back(VS_TRY(e.abs_path()));
    return out;
}

Result<so::Personality> parse_personality(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"domain", "flags"});
    so::Personality p;
    if (!n["domain"].present()) return n["domain"].error("required");
    p.domain = VS_TRY(n["domain"].str());
    if (p.domain == "LINUX")
        p.persona = PER_LINUX;
    else if (p.domain == "LINUX32")
        p.persona = PER_LINUX32;
    else
        return n["domain"].error("unknown domain {} (LINUX, LINUX32)", n["domain"].show());
    p.flags = VS_TRY(n["flags"].strings());
    // The spec defines no flag values yet.
    if (!p.flags.empty())
        return n["flags"].at(0).error("unknown personality flag {}", str::quote(p.flags[0]));
    return p;
}

Result<std::map<std::string, so::TimeOffset>> parse_time_offsets(const Node& n) {
    std::map<std::string, so::TimeOffset> out;
    for (const auto& [clock, v] : VS_TRY(n.members())) {
        // time_namespaces(7): only these two clocks have offsets.
        if (clock != "monotonic" && clock != "boottime")
            return v.error("unknown clock (monotonic, boottime)");
        VS_TRY(v.expect_object());
        v.note_unknown({"secs", "nanosecs"});
        so::TimeOffset o;
        if (v["secs"].present()) o.secs = VS_TRY(v["secs"].i64());
        if (v["nanosecs"].present())
            o.nanosecs = static_cast<uint32_t>(VS_TRY(v["nanosecs"].int_in(0, 999999999)));
        out.emplace(clock, o);
    }
    return out;
}

Result<std::string> parse_cgroups_path(const Node& n) {
    std::string p = VS_TRY(n.str());
    // Either a cgroupfs path (absolute: under the hierarchy's root; relative: under the
    // runtime's own cgroup) or systemd's "slice:prefix:name"; never a way out of the hierarchy.
    for (const auto& part : str::split(p, '/'))
        if (part == "..") return n.error("{} has a \"..\" component", n.show());
    for (char c : p)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return n.error("{} holds a control character", n.show());
    return p;
}

}  // namespace

Result<so::Linux> parse_linux_node(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"namespaces", "uidMappings", "gidMappings", "devices", "resources",
                    "cgroupsPath", "sysctl", "seccomp", "maskedPaths", "readonlyPaths",
                    "rootfsPropagation", "mountLabel", "personality", "timeOffsets", "intelRdt",
                    "memoryPolicy", "netDevices"});
    VS_TRY(n.refuse("intelRdt", "Intel RDT (resctrl) is not managed by vsrun"));
    VS_TRY(n.refuse("memoryPolicy", "vsrun sets no NUMA memory policy (set_mempolicy)"));
    VS_TRY(n.refuse("netDevices", "vsrun moves no network devices into the container"));
    so::Linux l;
    l.namespaces = VS_TRY(parse_namespaces(n["namespaces"]));
    l.uid_mappings = VS_TRY(parse_id_mappings(n["uidMappings"]));
    l.gid_mappings = VS_TRY(parse_id_mappings(n["gidMappings"]));
    l.devices = VS_TRY(parse_devices(n["devices"]));
    if (n["resources"].present()) l.resources = VS_TRY(parse_resources_node(n["resources"]));
    if (n["cgroupsPath"].present()) l.cgroups_path = VS_TRY(parse_cgroups_path(n["cgroupsPath"]));
    l.sysctl = VS_TRY(n["sysctl"].string_map());
    if (n["seccomp"].present()) l.seccomp = VS_TRY(parse_seccomp_node(n["seccomp"]));
    l.masked_paths = VS_TRY(parse_paths(n["maskedPaths"]));
    l.readonly_paths = VS_TRY(parse_paths(n["readonlyPaths"]));
    if (n["rootfsPropagation"].present())
        l.rootfs_propagation = VS_TRY(parse_propagation(n["rootfsPropagation"]));
    if (auto v = VS_OCI_OPT(n["mountLabel"], str)) l.mount_label = *v;
    if (n["personality"].present()) l.personality = VS_TRY(parse_personality(n["personality"]));
    l.time_offsets = VS_TRY(parse_time_offsets(n["timeOffsets"]));
    return l;
}

}  // namespace vs::config::oci
