// oci::check_spec: the rules of config.json that tie one part to another (namespaces, mappings,
// sysctl, hostname, time offsets, idmapped mounts).
#include <cerrno>

#include "base/strings.hpp"
#include "config/oci/parse.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

const so::Namespace* find_ns(const so::Linux& l, so::NamespaceType t) {
    for (const auto& n : l.namespaces)
        if (n.type == t) return &n;
    return nullptr;
}

/// "net.ipv4.ip_forward" or "net/ipv4/ip_forward" -> its components. sysctl(8): when the first
/// separator is '/', a '.' inside a component is part of the name ("net/ipv4/conf/eth0.1/...").
std::vector<std::string> sysctl_parts(const std::string& key) {
    auto first = key.find_first_of("./");
    char sep = first != std::string::npos && key[first] == '/' ? '/' : '.';
    return str::split(key, sep, false);
}

Status check_sysctl(const so::Spec& s) {
    const auto& l = s.linux;
    for (const auto& kv : l.sysctl) {
        // Not a structured binding: clang before 16 cannot capture one in the lambda.
        const std::string &key = kv.first, &value = kv.second;
        auto bad = [&](std::string_view why) {
            return make_error(EINVAL, "linux.sysctl[{}]: {}", str::quote(key), why);
        };
        auto parts = sysctl_parts(key);
        for (const auto& p : parts)
            if (p.empty() || p == "." || p == ".." || p.find('/') != std::string::npos)
                return bad("not a sysctl name");
        if (value.find('\n') != std::string::npos) return bad("the value holds a newline");
        // Only sysctls that live in one of the container's own namespaces are written: any
        // other changes the host for everyone (runc's list, sysctl's namespace in the kernel).
        static constexpr std::string_view kIpc[] = {
            "msgmax", "msgmnb", "msgmni", "sem", "shmall", "shmmax", "shmmni", "shm_rmid_forced"};
        std::optional<so::NamespaceType> need;
        if (parts.size() >= 2 && parts[0] == "kernel") {
            for (auto k : kIpc)
                if (parts.size() == 2 && parts[1] == k) need = so::NamespaceType::Ipc;
            if (parts.size() == 2 && (parts[1] == "hostname" || parts[1] == "domainname"))
                need = so::NamespaceType::Uts;
        } else if (parts.size() >= 3 && parts[0] == "fs" && parts[1] == "mqueue") {
            need = so::NamespaceType::Ipc;
        } else if (parts.size() >= 2 && parts[0] == "net") {
            need = so::NamespaceType::Network;
        }
        if (!need) return bad("not in a namespace of the container: it would change the host");
        const so::Namespace* ns = find_ns(l, *need);
        if (!ns)
            return bad(fmt::format("linux.namespaces has no {} namespace for it",
                                   so::namespace_type_name(*need)));
        if (*need == so::NamespaceType::Uts) {
            const std::string& field = parts[1] == "hostname" ? s.hostname : s.domainname;
            if (!field.empty() && field != value)
                return bad(fmt::format("{} conflicts with {} {}", str::quote(value), parts[1],
                                       str::quote(field)));
        }
    }
    return ok();
}

Status check_namespaces(const so::Spec& s) {
    const auto& l = s.linux;
    const so::Namespace* user = find_ns(l, so::NamespaceType::User);
    bool maps = !l.uid_mappings.empty() || !l.gid_mappings.empty();
    if (user && user->path.empty()) {
        // A new user namespace without mappings would leave every id unmapped (nobody).
        if (l.uid_mappings.empty())
            return make_error(EINVAL, "linux.uidMappings: required with a new user namespace");
        if (l.gid_mappings.empty())
            return make_error(EINVAL, "linux.gidMappings: required with a new user namespace");
    }
    if (!user && maps)
        return make_error(EINVAL,
                          "linux.{}: id mappings given, but linux.namespaces has no user "
                          "namespace",
                          l.uid_mappings.empty() ? "gidMappings" : "uidMappings");
    if (!s.hostname.empty() && !find_ns(l, so::NamespaceType::Uts))
        return make_error(EINVAL, "hostname: {} needs a uts namespace in linux.namespaces",
                          str::quote(s.hostname));
    if (!s.domainname.empty() && !find_ns(l, so::NamespaceType::Uts))
        return make_error(EINVAL, "domainname: {} needs a uts namespace in linux.namespaces",
                          str::quote(s.domainname));
    if (!l.time_offsets.empty()) {
        // Offsets are written to a time namespace before its first process (time_namespaces(7)),
        // so only to a new one.
        const so::Namespace* t = find_ns(l, so::NamespaceType::Time);
        if (!t)
            return make_error(EINVAL,
                              "linux.timeOffsets: needs a time namespace in "
                              "linux.namespaces");
        if (!t->path.empty())
            return make_error(EINVAL,
                              "linux.timeOffsets: a joined time namespace ({}) has its "
                              "offsets already",
                              str::quote(t->path));
    }
    for (size_t i = 0; i < s.mounts.size(); ++i) {
        const auto& m = s.mounts[i];
        // An idmapped mount without its own mappings takes the container's user namespace.
        if (m.idmap && m.uid_mappings.empty() && !user)
            return make_error(
                EINVAL, "mounts[{}]: \"idmap\" without uidMappings needs a user namespace", i);
    }
    return ok();
}

}  // namespace

Status check_spec(const so::Spec& s) {
    VS_TRY(check_namespaces(s));
    VS_TRY(check_sysctl(s));
    return ok();
}

}  // namespace vs::config::oci
