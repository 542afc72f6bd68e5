// config::vserver load/save/list_guests on temporary trees.
#include "config/vserver/tree.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>

#include "spec/capabilities.hpp"
#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

TEST_F(TreeTest, LoadsTheBasics) {
    put("web1", "context", "40001\n");
    put("web1", "uts/nodename", "web1.example\n");
    put("web1", "uts/domainname", "example\n");
    put("web1", "interfaces/dev", "br0\n");
    put("web1", "interfaces/0/ip", "192.0.2.10\n");
    put("web1", "interfaces/0/prefix", "24\n");
    put("web1", "interfaces/1/ip", "2001:db8::10");
    put("web1", "interfaces/1/dev", "eth1");
    put("web1", "interfaces/1/nodev", "");
    put("web1", "bcapabilities", "CAP_NET_RAW\n!chown\n# comment\n");
    put("web1", "apps/init/style", "sysv\n");
    link("web1", "vdir", "/srv/guests/web1");

    auto r = load(paths_, "web1");
    ASSERT_TRUE(r) << r.error().what();
    const auto& s = r->spec;
    EXPECT_EQ(s.name, "web1");
    EXPECT_EQ(s.context, 40001u);
    EXPECT_EQ(s.nodename, "web1.example");
    EXPECT_EQ(s.domainname, "example");
    EXPECT_EQ(s.default_dev, "br0");
    ASSERT_EQ(s.interfaces.size(), 2u);
    EXPECT_EQ(s.interfaces[0].ip, "192.0.2.10");
    EXPECT_EQ(s.interfaces[0].prefix, 24);
    EXPECT_EQ(s.interfaces[1].ip, "2001:db8::10");
    EXPECT_EQ(s.interfaces[1].dev, "eth1");
    EXPECT_TRUE(s.interfaces[1].nodev);
    EXPECT_TRUE(s.caps.bounding & spec::cap_bit(CAP_NET_RAW));
    EXPECT_FALSE(s.caps.bounding & spec::cap_bit(CAP_CHOWN));
    EXPECT_TRUE(s.caps.bounding & spec::cap_bit(CAP_KILL));
    EXPECT_EQ(s.init.style, spec::InitStyle::Sysv);
    EXPECT_EQ(s.root, "/srv/guests/web1");
    EXPECT_EQ(s.config_dir, dir("web1"));
    EXPECT_TRUE(r->unknown.empty());
}

TEST_F(TreeTest, DefaultsWithoutFiles) {
    put("bare", "context", "40002");
    auto r = load(paths_, "bare");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->spec.root, paths_.guest_root("bare"));
    EXPECT_EQ(r->spec.caps.bounding, spec::default_bounding_set());
    EXPECT_EQ(r->spec.init.style, spec::InitStyle::Plain);
}

TEST_F(TreeTest, MissingGuestIsAnError) {
    auto r = load(paths_, "nope");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nope"), std::string::npos);
    EXPECT_FALSE(load(paths_, "../etc"));
}

TEST_F(TreeTest, UnknownFilesAreReported) {
    put("g", "context", "40003");
    put("g", "frobnicate", "1");
    put("g", "apps/whatever/x", "1");
    auto r = load(paths_, "g");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->unknown, (std::vector<std::string>{"apps/whatever/x", "frobnicate"}));
}

TEST_F(TreeTest, BadValuesNameFileAndValue) {
    struct Case {
        const char* rel;
        const char* value;
    } cases[] = {
        {"context", "abc"},
        {"context", "1"},
        {"context", "49152"},
        {"interfaces/0/ip", "300.1.1.1"},
        {"interfaces/0/ip", "1.2.3"},
        {"interfaces/0/prefix", "33x"},
        {"bcapabilities", "CAP_FROBNICATE"},
        {"apps/init/style", "upstart"},
        {"uts/nodename", "bad name"},
    };
    int n = 0;
    for (const auto& c : cases) {
        std::string g = "bad" + std::to_string(n++);
        put(g, c.rel, std::string(c.value) + "\n");
        if (std::string(c.rel).rfind("interfaces/0/", 0) == 0 &&
            std::string(c.rel) != "interfaces/0/ip")
            put(g, "interfaces/0/ip", "192.0.2.1");
        auto r = load(paths_, g);
        ASSERT_FALSE(r) << c.rel << "=" << c.value;
        const auto& m = r.error().message;
        EXPECT_NE(m.find(dir(g) + "/" + c.rel), std::string::npos) << m;
        EXPECT_NE(m.find(c.value), std::string::npos) << m;
    }
}

TEST_F(TreeTest, SaveThenLoadRoundTrips) {
    put("src", "context", "40010");
    put("src", "uts/nodename", "src");
    put("src", "interfaces/0/ip", "192.0.2.20");
    put("src", "interfaces/0/mask", "255.255.255.0");
    put("src", "bcapabilities", "NET_RAW\n!SYS_BOOT\n");
    put("src", "apps/init/style", "reaper");
    auto a = load(paths_, "src");
    ASSERT_TRUE(a) << a.error().what();
    ASSERT_TRUE(save(a->spec, dir("src")));
    auto b = load(paths_, "src");
    ASSERT_TRUE(b) << b.error().what();
    EXPECT_EQ(b->spec.interfaces[0].prefix, 24);
    EXPECT_EQ(b->spec.caps.bounding, a->spec.caps.bounding);
    EXPECT_EQ(b->spec.context, a->spec.context);
    EXPECT_EQ(b->spec.init.style, spec::InitStyle::Reaper);
    // The mask file was replaced by prefix (not both).
    EXPECT_FALSE(sys::exists(dir("src") + "/interfaces/0/mask"));
    EXPECT_TRUE(sys::exists(dir("src") + "/interfaces/0/prefix"));
}

TEST_F(TreeTest, SaveRemovesInterfacesNoLongerInTheSpec) {
    put("g", "context", "40011");
    put("g", "interfaces/0/ip", "192.0.2.30");
    put("g", "interfaces/1/ip", "192.0.2.31");
    put("g", "notes.txt", "keep me");
    auto a = load(paths_, "g");
    ASSERT_TRUE(a);
    a->spec.interfaces.pop_back();
    ASSERT_TRUE(save(a->spec, dir("g")));
    EXPECT_FALSE(sys::exists(dir("g") + "/interfaces/1"));
    EXPECT_TRUE(sys::exists(dir("g") + "/interfaces/0/ip"));
    EXPECT_TRUE(sys::exists(dir("g") + "/notes.txt"));
}

TEST_F(TreeTest, SaveRefusesAnInvalidSpec) {
    spec::GuestSpec s;
    s.name = "x";
    s.context = 1;
    EXPECT_FALSE(save(s, dir("x")));
    EXPECT_FALSE(sys::exists(dir("x")));
}

TEST_F(TreeTest, ListGuests) {
    put("b", "context", "40020");
    put("a", "context", "40021");
    ASSERT_TRUE(sys::mkdir_p(paths_.config_dir + "/.defaults"));
    put("c", "x", "");
    ASSERT_TRUE(sys::write_file_atomic(paths_.config_dir + "/stray-file", ""));
    auto l = list_guests(paths_);
    ASSERT_TRUE(l);
    EXPECT_EQ(*l, (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace vs::config::vserver::test
