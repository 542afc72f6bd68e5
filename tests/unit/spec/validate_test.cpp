// spec::validate_name and the named checks of spec::validate.
#include "spec/validate.hpp"

#include <gtest/gtest.h>

namespace vs::spec {
namespace {

GuestSpec good() {
    GuestSpec s;
    s.name = "web1";
    s.context = 40000;
    s.root = "/var/lib/vservers/web1";
    Interface i;
    i.id = "0";
    i.ip = "192.0.2.10";
    i.prefix = 24;
    s.interfaces.push_back(i);
    return s;
}

TEST(ValidateName, AcceptsOrdinaryNames) {
    for (const char* n : {"a", "web1", "my.guest", "x_y-z", "c", "A-1"})
        EXPECT_TRUE(validate_name(n)) << n;
    EXPECT_TRUE(validate_name(std::string(64, 'x')));
}

TEST(ValidateName, RefusesBadNames) {
    for (std::string n :
         {std::string(""), std::string(65, 'x'), std::string("a/b"), std::string("."),
          std::string(".."), std::string("a..b"), std::string("../x"), std::string("-rf"),
          std::string("a\nb"), std::string("a\0b", 3), std::string(".defaults"),
          std::string(".build-g-1"), std::string(".x")}) {
        auto st = validate_name(n);
        EXPECT_FALSE(st) << n;
        if (!st) {
            EXPECT_NE(st.error().message.find("invalid guest name"), std::string::npos);
        }
    }
}

TEST(Validate, GoodSpecPasses) { EXPECT_TRUE(validate(good())); }

TEST(Validate, ContextRange) {
    auto s = good();
    s.context = 1;
    auto st = validate(s);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("check context"), std::string::npos);
    EXPECT_NE(st.error().message.find("1"), std::string::npos);
    s.context = 49152;
    EXPECT_FALSE(validate(s));
    s.context = 49151;
    EXPECT_TRUE(validate(s));
    s.context = 2;
    EXPECT_TRUE(validate(s));
}

TEST(Validate, BadIpAndPrefix) {
    auto s = good();
    s.interfaces[0].ip = "300.1.1.1";
    auto st = validate(s);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("300.1.1.1"), std::string::npos);
    s = good();
    s.interfaces[0].prefix = 33;
    EXPECT_FALSE(validate(s));
    s.interfaces[0].ip = "2001:db8::1";
    EXPECT_TRUE(validate(s));  // /33 is fine for IPv6
}

TEST(Validate, DuplicateIpWithinGuest) {
    auto s = good();
    auto j = s.interfaces[0];
    j.id = "1";
    j.ip = "192.0.2.10";
    s.interfaces.push_back(j);
    auto st = validate(s);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("duplicate-ip"), std::string::npos);
    EXPECT_NE(st.error().message.find("192.0.2.10"), std::string::npos);
    // The same address in another spelling is still a duplicate.
    s.interfaces[0].ip = "2001:db8::1";
    s.interfaces[1].ip = "2001:0db8:0::1";
    EXPECT_FALSE(validate(s));
}

TEST(Validate, RlimitSoftAboveHard) {
    auto s = good();
    s.rlimits["nofile"].soft = 2048;
    s.rlimits["nofile"].hard = 1024;
    auto st = validate(s);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("rlimits/nofile"), std::string::npos);
    s.rlimits["nofile"].soft = 1024;
    EXPECT_TRUE(validate(s));
}

TEST(Validate, SharedModeCannotMix) {
    auto s = good();
    s.interfaces[0].mode = "shared";
    s.ns.net = false;
    EXPECT_TRUE(validate(s));
    auto j = s.interfaces[0];
    j.id = "1";
    j.ip = "192.0.2.11";
    j.mode = "veth";
    s.interfaces.push_back(j);
    EXPECT_FALSE(validate(s));
}

TEST(Validate, Resources) {
    auto s = good();
    s.resources.cpu_weight = 0;
    EXPECT_FALSE(validate(s));
    s.resources.cpu_weight = 100;
    s.resources.cpuset_cpus = "0-3,5";
    EXPECT_TRUE(validate(s));
    s.resources.cpuset_cpus = "3-1";
    EXPECT_FALSE(validate(s));
    s.resources.cpuset_cpus = "0-1";
    s.resources.cpu_period_us = 10;
    EXPECT_FALSE(validate(s));
}

TEST(ValidateName, RefusesControlBytesAndEscapesThem) {
    for (std::string n :
         {std::string("a\033]0;owned\007b"), std::string("a\rb"), std::string("a\tb"),
          std::string("a\001b"), std::string("a\177b"), std::string("\x1b")}) {
        auto st = validate_name(n);
        ASSERT_FALSE(st) << n;
        const std::string& m = st.error().message;
        EXPECT_NE(m.find("control byte"), std::string::npos) << m;
        for (char c : m) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << m;
    }
    auto st = validate_name("a\033b");
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("\"a\\x1bb\""), std::string::npos) << st.error().message;
}

TEST(ValidateName, RefusesInvalidUtf8) {
    for (std::string n :
         {std::string("a\xff"
                      "b"),
          std::string("a\xc3"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
          std::string("\xf4\x90\x80\x80"), std::string("\x80x"), std::string("\xe2\x82")}) {
        auto st = validate_name(n);
        ASSERT_FALSE(st) << n;
        EXPECT_NE(st.error().message.find("UTF-8"), std::string::npos) << st.error().message;
    }
    auto st = validate_name(
        "a\xff"
        "b");
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("\"a\\xffb\""), std::string::npos) << st.error().message;
}

TEST(ValidateName, AcceptsUtf8Names) {
    for (const char* n : {"caf\xc3\xa9", "\xe2\x82\xac-guest", "\xf0\x9f\x90\xa7", "\xef\xbf\xbd"})
        EXPECT_TRUE(validate_name(n)) << n;
}

TEST(ValidateName, EscapeKeepsTextAndEscapesTheRest) {
    EXPECT_EQ(escape_name("web1"), "web1");
    EXPECT_EQ(escape_name("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(escape_name("a\nb"), "a\\nb");
    EXPECT_EQ(escape_name(std::string("a\0b", 3)), "a\\0b");
    EXPECT_EQ(escape_name("a\x1b[2Jb\x7f\xfe"), "a\\x1b[2Jb\\x7f\\xfe");
}

TEST(Validate, EveryCheckHasAName) {
    auto names = validate_check_names();
    EXPECT_GE(names.size(), 10u);
    for (const auto& n : names) EXPECT_FALSE(n.empty());
}

}  // namespace
}  // namespace vs::spec
