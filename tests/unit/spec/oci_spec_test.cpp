// oci::Spec plain data: defaults the runtime relies on and the namespace name table.
#include "spec/oci_spec.hpp"

#include <gtest/gtest.h>

namespace vs::spec::oci {

TEST(OciSpecData, DefaultsAreTheSpecsDefaults) {
    Spec s;
    EXPECT_FALSE(s.process.has_value());
    Process p;
    EXPECT_EQ(p.cwd, "/");
    EXPECT_FALSE(p.terminal);
    EXPECT_FALSE(p.capabilities.has_value());
    EXPECT_FALSE(p.user.umask.has_value());
    DeviceRule r;
    EXPECT_FALSE(r.allow);
    EXPECT_EQ(r.type, 'a');
    EXPECT_EQ(r.access, "rwm");
    EXPECT_EQ(s.linux.rootfs_propagation.type, Propagation::None);
}

TEST(OciSpecData, NamespaceNamesAndLookup) {
    EXPECT_EQ(namespace_type_name(NamespaceType::Network), "network");
    EXPECT_EQ(namespace_type_name(NamespaceType::Time), "time");
    Linux l;
    l.namespaces.push_back({NamespaceType::Uts, ""});
    l.namespaces.push_back({NamespaceType::Network, "/proc/1/ns/net"});
    EXPECT_TRUE(l.has_namespace(NamespaceType::Uts));
    EXPECT_TRUE(l.has_namespace(NamespaceType::Network));
    EXPECT_FALSE(l.has_namespace(NamespaceType::User));
}

}  // namespace vs::spec::oci
