// store/apt_sources: one-line and deb822 parsing, and which source is the Debian mirror.
#include <gtest/gtest.h>

#include "store/apt_sources.hpp"

namespace apt = vs::store::apt;

namespace {

std::string fixture(const char* host) {
    return std::string(VS_SOURCE_DIR) + "/tests/fixtures/apt/" + host;
}

TEST(AptSources, OneLineSkipsCommentsAndOptions) {
    auto v = apt::parse_one_line(
        "# deb http://a.invalid/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://b.invalid/debian bookworm main contrib\n"
        "deb-src http://c.invalid/debian bookworm main\n"
        "garbage line\n"
        "deb [unterminated http://d.invalid/debian bookworm main\n");
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].types, std::vector<std::string>{"deb"});
    EXPECT_EQ(v[0].uris[0], "http://b.invalid/debian");
    EXPECT_EQ(v[0].suites[0], "bookworm");
    EXPECT_EQ(v[0].components, (std::vector<std::string>{"main", "contrib"}));
    EXPECT_EQ(v[1].types[0], "deb-src");
}

TEST(AptSources, Deb822StanzasContinuationAndEnabled) {
    auto v = apt::parse_deb822(
        "# comment\n"
        "Types: deb deb-src\n"
        "URIs: http://a.invalid/debian\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main\n"
        "\n"
        "types: deb\n"
        "URIs:\n"
        " http://b.invalid/debian\n"
        "\thttp://c.invalid/debian\n"
        "Suites: stable\n"
        "Enabled: no\n");
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].types, (std::vector<std::string>{"deb", "deb-src"}));
    EXPECT_EQ(v[0].suites, (std::vector<std::string>{"bookworm", "bookworm-updates"}));
    EXPECT_TRUE(v[0].enabled);
    EXPECT_EQ(v[1].uris,
              (std::vector<std::string>{"http://b.invalid/debian", "http://c.invalid/debian"}));
    EXPECT_FALSE(v[1].enabled);
}

TEST(AptSources, PicksTheSuiteNotSecurityNorDebSrc) {
    auto v = apt::parse_one_line(
        "deb-src http://src.invalid/debian bookworm main\n"
        "deb http://sec.invalid/debian-security bookworm-security main\n"
        "deb http://main.invalid/debian bookworm main\n");
    EXPECT_EQ(apt::pick_debian_mirror(v, "bookworm").value_or(""), "http://main.invalid/debian");
    // Another release: still Debian's main archive, never the security one.
    EXPECT_EQ(apt::pick_debian_mirror(v, "bullseye").value_or(""), "http://main.invalid/debian");
}

TEST(AptSources, NoDebianSourceIsNullopt) {
    auto v = apt::parse_one_line("deb https://vendor.invalid/apt nodistro main\n");
    EXPECT_FALSE(apt::pick_debian_mirror(v, "bookworm").has_value());
}

TEST(AptSources, HostDeb822Only) {
    EXPECT_EQ(apt::default_mirror("bookworm", fixture("host1")).value_or("?"),
              "http://mirror.invalid/debian");
}

TEST(AptSources, HostSourcesListComesBeforeListD) {
    EXPECT_EQ(apt::default_mirror("bookworm", fixture("host2")).value_or("?"),
              "http://one.invalid/debian");
}

TEST(AptSources, HostSkipsVendorAndDisabledUsesAlias) {
    EXPECT_EQ(apt::default_mirror("bookworm", fixture("host3")).value_or("?"),
              "http://cont.invalid/debian");
}

TEST(AptSources, MissingDirIsAnErrorNamingTheFiles) {
    auto r = apt::default_mirror("bookworm", "/nonexistent-apt-dir");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("/nonexistent-apt-dir/sources.list"), std::string::npos);
}

}  // namespace
