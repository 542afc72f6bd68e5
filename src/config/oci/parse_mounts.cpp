// config.json's "mounts": each entry's options sorted into mount attributes, propagation, bind
// flags and filesystem parameters (runtime-spec config.md "Linux mount options").
#include <cerrno>

#include "base/strings.hpp"
#include "config/oci/parse.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

struct AttrOption {
    const char* name;
    uint64_t set, clr;  ///< attr bits to set and to clear (an atime mode clears the whole field)
    bool recursive;
};

// "atime" and "nostrictatime" ask for the kernel's default, relatime; "norelatime" for the
// strict mode (mount(8)).
constexpr AttrOption kAttrOptions[] = {
    {"ro", so::kAttrRdonly, 0, false},
    {"rw", 0, so::kAttrRdonly, false},
    {"nosuid", so::kAttrNosuid, 0, false},
    {"suid", 0, so::kAttrNosuid, false},
    {"nodev", so::kAttrNodev, 0, false},
    {"dev", 0, so::kAttrNodev, false},
    {"noexec", so::kAttrNoexec, 0, false},
    {"exec", 0, so::kAttrNoexec, false},
    {"nosymfollow", so::kAttrNosymfollow, 0, false},
    {"symfollow", 0, so::kAttrNosymfollow, false},
    {"nodiratime", so::kAttrNodiratime, 0, false},
    {"diratime", 0, so::kAttrNodiratime, false},
    {"noatime", so::kAttrNoatime, so::kAttrAtimeMask, false},
    {"atime", so::kAttrRelatime, so::kAttrAtimeMask, false},
    {"relatime", so::kAttrRelatime, so::kAttrAtimeMask, false},
    {"norelatime", so::kAttrStrictatime, so::kAttrAtimeMask, false},
    {"strictatime", so::kAttrStrictatime, so::kAttrAtimeMask, false},
    {"nostrictatime", so::kAttrRelatime, so::kAttrAtimeMask, false},
    {"rro", so::kAttrRdonly, 0, true},
    {"rrw", 0, so::kAttrRdonly, true},
    {"rnosuid", so::kAttrNosuid, 0, true},
    {"rsuid", 0, so::kAttrNosuid, true},
    {"rnodev", so::kAttrNodev, 0, true},
    {"rdev", 0, so::kAttrNodev, true},
    {"rnoexec", so::kAttrNoexec, 0, true},
    {"rexec", 0, so::kAttrNoexec, true},
    {"rnosymfollow", so::kAttrNosymfollow, 0, true},
    {"rsymfollow", 0, so::kAttrNosymfollow, true},
    {"rnodiratime", so::kAttrNodiratime, 0, true},
    {"rdiratime", 0, so::kAttrNodiratime, true},
    {"rnoatime", so::kAttrNoatime, so::kAttrAtimeMask, true},
    {"ratime", so::kAttrRelatime, so::kAttrAtimeMask, true},
    {"rrelatime", so::kAttrRelatime, so::kAttrAtimeMask, true},
    {"rnorelatime", so::kAttrStrictatime, so::kAttrAtimeMask, true},
    {"rstrictatime", so::kAttrStrictatime, so::kAttrAtimeMask, true},
    {"rnostrictatime", so::kAttrRelatime, so::kAttrAtimeMask, true},
};

struct PropOption {
    const char* name;
    so::Propagation type;
    bool recursive;
};

constexpr PropOption kPropOptions[] = {
    {"private", so::Propagation::Private, false},
    {"rprivate", so::Propagation::Private, true},
    {"shared", so::Propagation::Shared, false},
    {"rshared", so::Propagation::Shared, true},
    {"slave", so::Propagation::Slave, false},
    {"rslave", so::Propagation::Slave, true},
    {"unbindable", so::Propagation::Unbindable, false},
    {"runbindable", so::Propagation::Unbindable, true},
};

// Superblock flags with no mount attribute: given to the filesystem as fsconfig(2) flags (the
// VFS parses them for every filesystem, fs_context.c). The second of each pair undoes the first
// and is the default, so it only removes an earlier one.
constexpr std::pair<const char*, const char*> kSbFlags[] = {
    {"sync", "async"},  {"dirsync", nullptr},       {"lazytime", "nolazytime"},
    {"mand", "nomand"}, {"iversion", "noiversion"},
};

void apply_attr(uint64_t& set, uint64_t& clr, const AttrOption& o) {
    // mount_setattr(2): clear first, then set; the last option for a bit wins.
    uint64_t bits = o.set | o.clr;
    set &= ~bits;
    clr &= ~bits;
    set |= o.set;
    clr |= o.clr;
}

void drop_param(so::Mount& m, std::string_view key) {
    std::erase_if(m.data, [&](const auto& p) { return p.first == key; });
}

Status parse_option(so::Mount& m, const std::string& o, const Node& where) {
    if (o == "defaults") return ok();
    if (o == "bind" || o == "rbind") {
        m.bind = true;
        m.recursive = m.recursive || o == "rbind";
        return ok();
    }
    for (const auto& a : kAttrOptions)
        if (o == a.name) {
            if (a.recursive)
                apply_attr(m.rec_attr_set, m.rec_attr_clr, a);
            else
                apply_attr(m.attr_set, m.attr_clr, a);
            return ok();
        }
    for (const auto& p : kPropOptions)
        if (o == p.name) {
            m.propagation = {p.type, p.recursive};
            return ok();
        }
    for (const auto& [on, off] : kSbFlags) {
        if (o == on) {
            drop_param(m, on);
            m.data.emplace_back(on, "");
            return ok();
        }
        if (off && o == off) {
            drop_param(m, on);
            return ok();
        }
    }
    if (o == "silent" || o == "loud") return ok();  // kernel log verbosity of the mount only
    if (o == "tmpcopyup" || o == "notmpcopyup") {
        m.tmpcopyup = o == "tmpcopyup";
        return ok();
    }
    if (o == "idmap" || o == "ridmap") {
        m.idmap = true;
        m.idmap_recursive = m.idmap_recursive || o == "ridmap";
        return ok();
    }
    if (o == "remount")
        return where.error("\"remount\" is not supported: a new container has nothing to remount");
    if (o.empty()) return where.error("empty option");
    auto eq = o.find('=');
    if (eq == 0) return where.error("option {} has an empty key", str::quote(o));
    if (o.find(',') != std::string::npos)
        return where.error("{} holds a ',': one option per entry", str::quote(o));
    // Anything else is the filesystem's (size=64m, mode=1777, gid=5, newinstance, ...).
    if (eq == std::string::npos)
        m.data.emplace_back(o, "");
    else
        m.data.emplace_back(o.substr(0, eq), o.substr(eq + 1));
    return ok();
}

}  // namespace

std::vector<std::string> known_mount_options() {
    std::vector<std::string> out = {"defaults", "bind", "rbind"};
    for (const auto& a : kAttrOptions) out.emplace_back(a.name);
    for (const auto& p : kPropOptions) out.emplace_back(p.name);
    for (const auto& [on, off] : kSbFlags) {
        out.emplace_back(on);
        if (off) out.emplace_back(off);
    }
    for (const char* o : {"silent", "loud", "tmpcopyup", "notmpcopyup", "idmap", "ridmap"})
        out.emplace_back(o);
    return out;
}

Result<std::vector<so::IdMapping>> parse_id_mappings(const Node& n) {
    std::vector<so::IdMapping> out;
    for (const auto& e : VS_TRY(n.elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"containerID", "hostID", "size"});
        so::IdMapping m;
        for (const char* k : {"containerID", "hostID", "size"})
            if (!e[k].present()) return e[k].error("required");
        m.container_id = VS_TRY(e["containerID"].u32());
        m.host_id = VS_TRY(e["hostID"].u32());
        m.size = VS_TRY(e["size"].u32());
        if (m.size == 0) return e["size"].error("0 ids");
        // The kernel takes ids below 2^32-1 (uid_t -1 is "no id"), user_namespaces(7).
        if (uint64_t{m.container_id} + m.size > UINT32_MAX ||
            uint64_t{m.host_id} + m.size > UINT32_MAX)
            return e.error("{}+{} -> {}+{} exceeds the 32-bit id range", m.container_id, m.size,
                           m.host_id, m.size);
        for (const auto& o : out)
            if (m.container_id < o.container_id + o.size &&
                o.container_id < m.container_id + m.size)
                return e.error("container ids {}+{} overlap an earlier mapping", m.container_id,
                               m.size);
        out.push_back(m);
    }
    // The kernel's limit on lines in uid_map (user_namespaces(7), since Linux 4.15).
    if (out.size() > 340) return n.error("{} mappings, at most 340", out.size());
    return out;
}

Result<so::Mount> parse_mount_node(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"destination", "type", "source", "options", "uidMappings", "gidMappings"});
    so::Mount m;
    if (!n["destination"].present()) return n["destination"].error("required");
    m.destination = VS_TRY(n["destination"].abs_path());
    if (auto t = VS_OCI_OPT(n["type"], str)) m.type = *t;
    if (m.type.find_first_of("/ ,") != std::string::npos)
        return n["type"].error("{} is not a filesystem type", n["type"].show());
    if (auto s = VS_OCI_OPT(n["source"], str)) m.source = *s;
    m.options = VS_TRY(n["options"].strings());
    for (size_t i = 0; i < m.options.size(); ++i)
        VS_TRY(parse_option(m, m.options[i], n["options"].at(i)));
    if (m.type == "bind") m.bind = true;
    m.uid_mappings = VS_TRY(parse_id_mappings(n["uidMappings"]));
    m.gid_mappings = VS_TRY(parse_id_mappings(n["gidMappings"]));
    if (m.uid_mappings.empty() != m.gid_mappings.empty())
        return n.error("uidMappings and gidMappings go together");
    // The spec: mappings on a mount make it idmapped.
    if (!m.uid_mappings.empty()) m.idmap = true;

    if (m.bind) {
        if (m.source.empty()) return n["source"].error("required for a bind mount");
        if (m.source.front() != '/')
            return n["source"].error("{} is not an absolute path", n["source"].show());
        if (!m.data.empty())
            return n["options"].error("{} means nothing for a bind mount",
                                      str::quote(m.data.front().first));
        if (m.tmpcopyup) return n["options"].error("\"tmpcopyup\" is for tmpfs, not a bind mount");
    } else {
        if (m.type.empty()) return n["type"].error("required unless the mount is a bind mount");
        if (m.idmap)
            return n["options"].error("idmapped mounts are bind mounts here (add \"rbind\")");
        if (m.tmpcopyup && m.type != "tmpfs")
            return n["options"].error("\"tmpcopyup\" is for tmpfs, not {}", str::quote(m.type));
        if (m.rec_attr_set || m.rec_attr_clr)
            return n["options"].error("recursive options (rro, rnosuid, ...) are for bind mounts");
        if (m.source.empty()) m.source = m.type;
    }
    return m;
}

}  // namespace vs::config::oci
