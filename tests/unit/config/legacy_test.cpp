// The legacy NAME.conf reader (shell quoting, never evaluated) and the variable mapping.
#include <gtest/gtest.h>

#include <map>

#include "config/legacy/convert.hpp"
#include "config/legacy/shell_vars.hpp"

namespace vs::config::legacy {
namespace {

std::map<std::string, std::string> vars(std::string_view text) {
    auto r = parse_shell_vars(text, "t.conf");
    EXPECT_TRUE(r) << (r ? "" : r.error().what());
    std::map<std::string, std::string> m;
    if (r)
        for (auto& a : *r) m[a.name] = a.value;
    return m;
}

std::string err(std::string_view text) {
    auto r = parse_shell_vars(text, "t.conf");
    EXPECT_FALSE(r) << "accepted: " << text;
    return r ? "" : r.error().what();
}

TEST(LegacyParse, Quoting) {
    auto m = vars(
        "# comment\n\n  A=plain\nB=\"two words\"  # trailing\nC='single $x'\nexport D=e\n"
        "E=\"esc \\\" \\\\ \\$\"\nF=a\"b c\"'d'\nG=\nH=\"multi\nline\"\nI=x\\\ny\n");
    EXPECT_EQ(m["A"], "plain");
    EXPECT_EQ(m["B"], "two words");
    EXPECT_EQ(m["C"], "single $x");
    EXPECT_EQ(m["D"], "e");
    EXPECT_EQ(m["E"], "esc \" \\ $");
    EXPECT_EQ(m["F"], "ab cd");
    EXPECT_EQ(m["G"], "");
    EXPECT_EQ(m["H"], "multi\nline");
    EXPECT_EQ(m["I"], "xy");
}

TEST(LegacyParse, TypographicQuotes) {
    auto m = vars(
        "A=>>lock nproc>>\nB=\xC2\xAB"
        "x y\xC2\xBB\nC=\xE2\x80\x9C"
        "p q\xE2\x80\x9D\n");
    EXPECT_EQ(m["A"], "lock nproc");
    EXPECT_EQ(m["B"], "x y");
    EXPECT_EQ(m["C"], "p q");
}

TEST(LegacyParse, LaterWinsAndLines) {
    auto r = parse_shell_vars("A=1\n\nB=\"x\ny\"\nA=2\n", "t.conf");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].name, "B");
    EXPECT_EQ((*r)[0].line, 3);
    EXPECT_EQ((*r)[1].value, "2");
    EXPECT_EQ((*r)[1].line, 5);
}

TEST(LegacyParse, NeverEvaluates) {
    EXPECT_NE(err("A=$HOME\n").find("t.conf:1: A: needs the shell"), std::string::npos);
    EXPECT_NE(err("A=\"x $(id)\"\n").find("needs the shell"), std::string::npos);
    EXPECT_NE(err("A=`id`\n").find("needs the shell"), std::string::npos);
    EXPECT_NE(err("\nA=b c\n").find("t.conf:2: A: unquoted blank"), std::string::npos);
    EXPECT_NE(err("A=b;rm -rf /\n").find("shell syntax"), std::string::npos);
    EXPECT_NE(err("[ -f x ] && A=1\n").find("not a VAR=VALUE"), std::string::npos);
    EXPECT_NE(err(". /etc/other.conf\n").find("not a VAR=VALUE"), std::string::npos);
    EXPECT_NE(err("A=\"open\n").find("unterminated quote"), std::string::npos);
    EXPECT_NE(err("A='open\n").find("unterminated quote"), std::string::npos);
    EXPECT_NE(err("A=>>open\n").find("unterminated quote"), std::string::npos);
}

// Found by the legacy_conf fuzz target: a NUL inside a quoted value was kept in the value.
TEST(LegacyParse, ANulByteIsNotText) {
    using namespace std::string_literals;
    EXPECT_NE(err("A=1\nS_CAPS=\"CA\0P_NET_RAW\"\n"s).find("t.conf:2: a NUL byte"),
              std::string::npos);
    EXPECT_NE(err("\0"s).find("t.conf:1: a NUL byte"), std::string::npos);
}

// Parses `text` as g.conf (which must parse) and converts it.
Result<Conversion> parse_and_convert(std::string_view text) {
    auto v = parse_shell_vars(text, "g.conf");
    EXPECT_TRUE(v) << (v ? "" : v.error().what());
    if (!v) return v.error();
    return convert(*v, "g.conf");
}

Conversion conv(std::string_view text) {
    auto c = parse_and_convert(text);
    EXPECT_TRUE(c) << (c ? "" : c.error().what());
    return c ? std::move(*c) : Conversion{};
}

std::map<std::string, std::string> files(const Conversion& c) {
    return {c.files.begin(), c.files.end()};
}

std::string conv_err(std::string_view text) {
    auto c = parse_and_convert(text);
    EXPECT_FALSE(c);
    return c ? "" : c.error().what();
}

TEST(LegacyConvert, Network) {
    auto c = conv(
        "IPROOT=\"eth0:192.0.2.4 eth1:192.0.2.5/255.255.255.192 192.0.2.6 2001:db8::7/64\"\n"
        "IPROOTMASK=255.255.0.0\nIPROOTDEV=bond0\nIPROOTBCAST=192.0.255.255\n");
    auto f = files(c);
    EXPECT_EQ(f["interfaces/0/ip"], "192.0.2.4");
    EXPECT_EQ(f["interfaces/0/dev"], "eth0");
    EXPECT_EQ(f["interfaces/0/prefix"], "16");
    EXPECT_EQ(f["interfaces/1/dev"], "eth1");
    EXPECT_EQ(f["interfaces/1/prefix"], "26");
    EXPECT_EQ(f["interfaces/2/ip"], "192.0.2.6");
    EXPECT_EQ(f["interfaces/2/dev"], "bond0");
    EXPECT_EQ(f["interfaces/2/prefix"], "16");
    EXPECT_EQ(f["interfaces/3/ip"], "2001:db8::7");
    EXPECT_EQ(f["interfaces/3/prefix"], "64");
    // 192.0.2.5/26's broadcast is not 192.0.255.255: listed, not silently dropped.
    ASSERT_EQ(c.dropped.size(), 1u);
    EXPECT_NE(c.dropped[0].find("IPROOTBCAST"), std::string::npos);
    EXPECT_TRUE(c.unknown.empty());

    auto same = conv("IPROOT=10.1.2.3\nIPROOTMASK=255.255.255.0\nIPROOTBCAST=10.1.2.255\n");
    EXPECT_TRUE(same.dropped.empty());

    auto none = conv("IPROOT=0.0.0.0\nIPROOTDEV=eth0\nIPROOTMASK=24\n");
    auto nf = files(none);
    EXPECT_EQ(nf["interfaces/dev"], "eth0");
    EXPECT_EQ(nf["interfaces/prefix"], "24");
    EXPECT_EQ(nf.count("interfaces/0/ip"), 0u);
    ASSERT_EQ(none.dropped.size(), 1u);
}

TEST(LegacyConvert, IdentityFlagsCapsOnboot) {
    auto c = conv(
        "S_HOSTNAME=web\nS_DOMAINNAME=example.org\nS_CONTEXT=1234\nS_NICE=-5\n"
        "S_FLAGS=\"lock fakeinit private\"\nS_CAPS=\"CAP_NET_RAW\"\nONBOOT=yes\nS_PROFILE=test\n");
    auto f = files(c);
    EXPECT_EQ(f["uts/nodename"], "web");
    EXPECT_EQ(f["uts/domainname"], "example.org");
    EXPECT_EQ(f["context"], "1234");
    EXPECT_EQ(f["nice"], "-5");
    EXPECT_EQ(f["cflags"], "lock\nprivate");
    EXPECT_EQ(c.style, spec::InitStyle::Plain);
    EXPECT_EQ(f["bcapabilities"], "CAP_NET_RAW");
    EXPECT_EQ(f["apps/init/mark"], "default");
    EXPECT_EQ(f["apps/init/environment"], "PATH=/bin:/usr/bin:/sbin:/usr/sbin\nPROFILE=test");

    auto d = conv("S_DOMAINNAME=none\nONBOOT=no\n");
    EXPECT_TRUE(d.files.empty());
    EXPECT_EQ(d.style, spec::InitStyle::Sysv);
}

TEST(LegacyConvert, Ulimit) {
    auto c = conv("ULIMIT=\"-H -u 1000 -n 4096\"\n");
    auto f = files(c);
    EXPECT_EQ(f["ulimits/nproc.hard"], "1000");
    EXPECT_EQ(f["ulimits/nofile.hard"], "4096");
    auto ctx = conv("S_FLAGS=nproc\nULIMIT=\"-u unlimited -d 1024\"\n");
    auto g = files(ctx);
    EXPECT_EQ(g["rlimits/nproc"], "inf");
    EXPECT_EQ(g["rlimits/data"], "1024K");
    EXPECT_NE(conv_err("ULIMIT=\"-u\"\n").find("without a value"), std::string::npos);
    EXPECT_NE(conv_err("ULIMIT=\"-p 8\"\n").find("no rlimit counterpart"), std::string::npos);
    EXPECT_NE(conv_err("ULIMIT=\"-n lots\"\n").find("a number or unlimited"), std::string::npos);
    // 2^54 KiB is 2^64 bytes: refused, never wrapped to a limit of 0.
    EXPECT_NE(conv_err("ULIMIT=\"-v 18014398509481984\"\n").find("more KiB than 64 bits"),
              std::string::npos);
    EXPECT_NE(conv_err("ULIMIT=\"-d 18014398509481984\"\n").find("more KiB than 64 bits"),
              std::string::npos);
}

TEST(LegacyConvert, UnknownAndLeftovers) {
    auto c = conv("S_HOSTNAME=a\nS_NOSYS=1\nFOO=bar\n");
    ASSERT_EQ(c.unknown.size(), 1u);
    EXPECT_NE(c.unknown[0].find("FOO"), std::string::npos);
    EXPECT_NE(c.unknown[0].find("line 3"), std::string::npos);
    ASSERT_EQ(c.dropped.size(), 1u);
    EXPECT_NE(c.dropped[0].find("S_NOSYS"), std::string::npos);
}

TEST(LegacyConvert, BadValuesNameFileVariableValue) {
    EXPECT_NE(conv_err("S_CONTEXT=99999999\n").find("g.conf: S_CONTEXT=\"99999999\""),
              std::string::npos);
    EXPECT_NE(conv_err("IPROOT=10.1.2.300\n").find("g.conf: IPROOT=\"10.1.2.300\""),
              std::string::npos);
    EXPECT_NE(conv_err("IPROOTMASK=255.0.255.0\n").find("IPROOTMASK"), std::string::npos);
    EXPECT_NE(conv_err("S_FLAGS=nosuchflag\n").find("S_FLAGS=\"nosuchflag\""), std::string::npos);
    EXPECT_NE(conv_err("S_CAPS=CAP_BOGUS\n").find("S_CAPS"), std::string::npos);
    EXPECT_NE(conv_err("S_NICE=40\n").find("S_NICE=\"40\""), std::string::npos);
    EXPECT_NE(conv_err("ONBOOT=maybe\n").find("ONBOOT=\"maybe\""), std::string::npos);
}

}  // namespace
}  // namespace vs::config::legacy
