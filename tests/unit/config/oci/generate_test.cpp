// config/oci: `vsrun spec` and `vsrun features` output goes back through the parser.
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/oci/generate.hpp"
#include "config/oci/parse.hpp"
#include "config/oci/to_guest_spec.hpp"
#include "spec/capabilities.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;
using json = nlohmann::json;

TEST(OciGenerate, DefaultSpecParsesBack) {
    Ignored ignored;
    auto s = parse_config(default_spec_json(false), "/b", &ignored);
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_TRUE(ignored.empty());
    EXPECT_EQ(s->oci_version, "1.2.0");
    EXPECT_EQ(s->root->path, "/b/rootfs");
    EXPECT_TRUE(s->root->readonly);
    EXPECT_TRUE(s->process->terminal);
    EXPECT_TRUE(s->process->no_new_privileges);
    EXPECT_EQ(__builtin_popcountll(s->process->capabilities->bounding), 3);
    EXPECT_FALSE(s->linux.has_namespace(so::NamespaceType::User));
    EXPECT_TRUE(s->linux.has_namespace(so::NamespaceType::Cgroup));
    EXPECT_EQ(s->mounts.back().destination, "/sys/fs/cgroup");
    ASSERT_TRUE(s->linux.resources);
    EXPECT_EQ(s->linux.resources->devices.size(), 1u);
    auto g = to_guest_spec(*s, "demo");
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_EQ(g->nodename, "vsrun");
}

TEST(OciGenerate, RootlessSpecMapsTheCaller) {
    auto s = parse_config(default_spec_json(true), "/b");
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_TRUE(s->linux.has_namespace(so::NamespaceType::User));
    ASSERT_EQ(s->linux.uid_mappings.size(), 1u);
    EXPECT_EQ(s->linux.uid_mappings[0].host_id, ::geteuid());
    EXPECT_EQ(s->linux.gid_mappings[0].host_id, ::getegid());
    EXPECT_FALSE(s->linux.resources);
    for (const auto& m : s->mounts) {
        EXPECT_NE(m.destination, "/sys/fs/cgroup");
        for (const auto& [k, v] : m.data) EXPECT_NE(k, "gid") << m.destination;
    }
    auto g = to_guest_spec(*s, "demo");
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_TRUE(g->ns.user);
    EXPECT_EQ(g->idmap->count, 1u);
}

TEST(OciGenerate, FeaturesListWhatTheParserTakes) {
    json f = json::parse(features_json());
    EXPECT_EQ(f["ociVersionMin"], "1.0.0");
    EXPECT_EQ(f["ociVersionMax"], "1.2.0");
    EXPECT_TRUE(supported_version(f["ociVersionMax"].get<std::string>()));
    EXPECT_EQ(f["hooks"].size(), 6u);

    // Every option listed is accepted on a mount of the kind it applies to.
    json base = json::parse(default_spec_json(false));
    for (const auto& o : f["mountOptions"]) {
        std::string opt = o.get<std::string>();
        bool bind_only = opt == "idmap" || opt == "ridmap" || opt[0] == 'r' || opt == "bind";
        json m = bind_only ? json{{"destination", "/x"},
                                  {"type", "bind"},
                                  {"source", "/srv"},
                                  {"options", {"rbind", opt}}}
                           : json{{"destination", "/x"},
                                  {"type", "tmpfs"},
                                  {"source", "t"},
                                  {"options", {opt}}};
        json j = base;
        j["mounts"].push_back(m);
        if (opt == "idmap" || opt == "ridmap") {
            j["linux"]["namespaces"].push_back({{"type", "user"}});
            j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
            j["linux"]["gidMappings"] = j["linux"]["uidMappings"];
        }
        auto s = parse_config(j.dump(), "/b");
        EXPECT_TRUE(s) << opt << ": " << s.error().what();
    }
    // Namespaces, capabilities and seccomp names round-trip through the parser.
    json j = base;
    j["linux"]["namespaces"] = json::array();
    for (const auto& n : f["linux"]["namespaces"])
        j["linux"]["namespaces"].push_back({{"type", n}});
    j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
    j["linux"]["gidMappings"] = j["linux"]["uidMappings"];
    j["process"]["capabilities"]["bounding"] = f["linux"]["capabilities"];
    const auto& sc = f["linux"]["seccomp"];
    j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                             {"architectures", sc["archs"]},
                             {"flags", sc["knownFlags"]},
                             {"listenerPath", "/run/agent.sock"},
                             {"syscalls", json::array()}};
    for (const auto& a : sc["actions"])
        j["linux"]["seccomp"]["syscalls"].push_back({{"names", {"getpid"}}, {"action", a}});
    for (const auto& op : sc["operators"])
        j["linux"]["seccomp"]["syscalls"].push_back(
            {{"names", {"ioctl"}},
             {"action", "SCMP_ACT_ALLOW"},
             {"args", {{{"index", 1}, {"value", 5}, {"op", op}}}}});
    auto s = parse_config(j.dump(), "/b");
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(s->linux.namespaces.size(), 8u);
    EXPECT_EQ(s->process->capabilities->bounding, spec::cap_all());
    EXPECT_EQ(s->linux.seccomp->architectures.size(), sc["archs"].size());
    EXPECT_EQ(f["linux"]["intelRdt"]["enabled"], false);
    EXPECT_EQ(f["linux"]["mountExtensions"]["idmap"]["enabled"], true);
    EXPECT_TRUE(f["linux"]["apparmor"]["enabled"].is_boolean());
}

}  // namespace vs::config::oci
