// The documented default prefix of interfaces/*/prefix is the one the network code uses.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

#include "config/vserver/registry.hpp"
#include "net/address.hpp"

namespace vs::config::vserver {
namespace {

TEST(PrefixDoc, KeyDocAndDocsTableNameTheNetworkDefault) {
    // "/" then the number, not `"/" + std::to_string(..)`: GCC 12 at -O3 inlines that operator+
    // into a memcpy it cannot bound and warns -Wrestrict (GCC bug 105651).
    std::string v4 = "/", v6 = "/";
    v4 += std::to_string(net::default_prefix(AF_INET));
    v6 += std::to_string(net::default_prefix(AF_INET6));
    const Key* key = nullptr;
    for (const auto& k : keys())
        if (k.pattern == "interfaces/*/prefix") key = &k;
    ASSERT_NE(key, nullptr);
    EXPECT_NE(key->doc.find(v4 + " (IPv4)"), std::string::npos) << key->doc;
    EXPECT_NE(key->doc.find(v6 + " (IPv6)"), std::string::npos) << key->doc;
    std::ifstream in(std::string(VS_SOURCE_DIR) + "/docs/config-vserver.md");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string line;
    for (std::istringstream lines(ss.str()); std::getline(lines, line);)
        if (line.find("`interfaces/*/prefix`") != std::string::npos) break;
    EXPECT_NE(line.find(v4 + " (IPv4) or " + v6 + " (IPv6)"), std::string::npos) << line;
}

}  // namespace
}  // namespace vs::config::vserver
