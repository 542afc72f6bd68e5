// cli/build_args: `vserver NAME build` option parsing; every error names the flag and the value.
#include <gtest/gtest.h>

#include "cli/build_args.hpp"

namespace {

using vs::cli::parse_build_args;
using vs::store::Method;
using Args = std::vector<std::string>;

std::string error_of(const std::string& name, const Args& a) {
    auto r = parse_build_args(name, a);
    return r ? std::string("(accepted)") : r.error().message;
}

TEST(BuildArgs, SkeletonWithEveryCfgOption) {
    auto r =
        parse_build_args("web1", {"-m", "skeleton", "--hostname", "web1.example", "--interface",
                                  "eth0=br0:10.1.2.3/24", "--interface", "2001:db8::5/64",
                                  "--context=40123", "--flags", "lock,sched", "--initstyle", "sysv",
                                  "--rootdir", "/srv/guests/", "--force"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->method, Method::Skeleton);
    EXPECT_EQ(r->spec.name, "web1");
    EXPECT_EQ(r->spec.nodename, "web1.example");
    ASSERT_EQ(r->spec.interfaces.size(), 2u);
    EXPECT_EQ(r->spec.interfaces[0].id, "0");
    EXPECT_EQ(r->spec.interfaces[0].name, "eth0");
    EXPECT_EQ(r->spec.interfaces[0].dev, "br0");
    EXPECT_EQ(r->spec.interfaces[0].ip, "10.1.2.3");
    EXPECT_EQ(r->spec.interfaces[0].prefix, 24);
    EXPECT_EQ(r->spec.interfaces[1].id, "1");
    EXPECT_EQ(r->spec.interfaces[1].dev, "");
    EXPECT_EQ(r->spec.interfaces[1].ip, "2001:db8::5");
    EXPECT_EQ(r->spec.interfaces[1].prefix, 64);
    EXPECT_EQ(r->spec.context.value_or(0), 40123u);
    EXPECT_EQ(r->spec.flags.names, (std::vector<std::string>{"lock", "sched"}));
    EXPECT_EQ(r->spec.init.style, vs::spec::InitStyle::Sysv);
    EXPECT_TRUE(r->initstyle_given);
    EXPECT_EQ(r->rootdir, "/srv/guests");
    EXPECT_TRUE(r->force);
}

TEST(BuildArgs, UsernsFlags) {
    auto none = parse_build_args("g", {"-m", "skeleton"});
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->userns.has_value());
    auto off = parse_build_args("g", {"-m", "skeleton", "--no-userns"});
    ASSERT_TRUE(off);
    EXPECT_EQ(off->userns, std::optional<bool>(false));
    auto on = parse_build_args("g", {"-m", "skeleton", "--userns", "--userns"});
    ASSERT_TRUE(on);
    EXPECT_EQ(on->userns, std::optional<bool>(true));
}

TEST(BuildArgs, InterfaceForms) {
    auto nodev = vs::cli::parse_interface_arg("nodev:192.0.2.7", "0");
    ASSERT_TRUE(nodev);
    EXPECT_TRUE(nodev->nodev);
    EXPECT_EQ(nodev->prefix, -1);
    auto mask = vs::cli::parse_interface_arg("eth1:192.0.2.7/255.255.255.0", "0");
    ASSERT_TRUE(mask);
    EXPECT_EQ(mask->dev, "eth1");
    EXPECT_EQ(mask->prefix, 24);
    auto v6dev = vs::cli::parse_interface_arg("eth0:fd00::1/48", "0");
    ASSERT_TRUE(v6dev);
    EXPECT_EQ(v6dev->dev, "eth0");
    EXPECT_EQ(v6dev->ip, "fd00::1");
}

TEST(BuildArgs, MethodArguments) {
    auto t = parse_build_args("g", {"-m", "template", "--", "-t", "a.tar", "-t", "b.tar.zst"});
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->template_args.archives, (std::vector<std::string>{"a.tar", "b.tar.zst"}));

    auto d = parse_build_args("g", {"-m", "debootstrap", "--", "-d", "bookworm", "-m",
                                    "http://m.invalid/debian", "--", "--variant=minbase"});
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->debootstrap_args.suite, "bookworm");
    EXPECT_EQ(d->debootstrap_args.mirror, "http://m.invalid/debian");
    EXPECT_EQ(d->debootstrap_args.extra, std::vector<std::string>{"--variant=minbase"});

    auto c = parse_build_args("g", {"-m", "clone", "--", "--source", "other"});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->copy_args.source, "other");

    auto r = parse_build_args(
        "g", {"-m", "rsync", "--", "--source", "/x", "-o", "--exclude=/tmp", "--", "--delete"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->copy_args.rsync_opts, (std::vector<std::string>{"--exclude=/tmp", "--delete"}));
}

TEST(BuildArgs, DefaultsLeaveStyleToTheMethod) {
    auto r = parse_build_args("g", {"-m", "skeleton"});
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->initstyle_given);
    EXPECT_FALSE(r->spec.context.has_value());
    EXPECT_FALSE(r->force);
}

struct BadCase {
    std::string name;
    Args args;
    std::vector<std::string> must_mention;
};

TEST(BuildArgs, BadInputNamesFlagAndValue) {
    const std::vector<BadCase> cases = {
        {"a/b", {"-m", "skeleton"}, {"a/b"}},
        {"..", {"-m", "skeleton"}, {"\"..\""}},
        {"", {"-m", "skeleton"}, {"empty"}},
        {std::string(65, 'x'), {"-m", "skeleton"}, {"64"}},
        {"g", {}, {"-m METHOD"}},
        {"g", {"-m", "yum"}, {"-m", "\"yum\"", "unknown build method"}},
        {"g", {"-m", "skeleton", "--interface", "10.0.0.300"}, {"--interface", "10.0.0.300"}},
        {"g", {"-m", "skeleton", "--interface", "10.0.0.3/33"}, {"--interface", "33"}},
        {"g",
         {"-m", "skeleton", "--interface", "10.0.0.3/255.0.255.0"},
         {"--interface", "255.0.255.0"}},
        {"g", {"-m", "skeleton", "--interface", "bad dev:10.0.0.3"}, {"--interface", "bad dev"}},
        {"g", {"-m", "skeleton", "--interface", "0.0.0.0"}, {"--interface", "0.0.0.0"}},
        {"g", {"-m", "skeleton", "--context", "1"}, {"--context", "\"1\"", "2..49151"}},
        {"g", {"-m", "skeleton", "--context", "49152"}, {"--context", "49152"}},
        {"g", {"-m", "skeleton", "--context", "12abc"}, {"--context", "12abc"}},
        {"g", {"-m", "skeleton", "--initstyle", "upstart"}, {"--initstyle", "upstart"}},
        {"g",
         {"-m", "skeleton", "--initstyle", "minit"},
         {"--initstyle", "minit", "not supported"}},
        {"g", {"-m", "skeleton", "--hostname", "a b"}, {"--hostname", "a b"}},
        {"g", {"-m", "skeleton", "--flags", ","}, {"--flags"}},
        {"g", {"-m", "skeleton", "--bogus"}, {"--bogus"}},
        {"g", {"-m", "skeleton", "--context"}, {"--context", "needs a value"}},
        {"g", {"-m", "skeleton", "--force=yes"}, {"--force", "yes"}},
        {"g", {"-m", "skeleton", "stray"}, {"stray"}},
        {"g", {"-m", "skeleton", "--no-userns=1"}, {"--no-userns", "takes no value"}},
        {"g", {"-m", "skeleton", "--userns", "--no-userns"}, {"--userns", "--no-userns"}},
        {"g", {"-m", "skeleton", "--", "-x"}, {"skeleton", "-x"}},
        {"g", {"-m", "template"}, {"-t ARCHIVE"}},
        {"g", {"-m", "template", "--", "-z", "a"}, {"template", "-z"}},
        {"g", {"-m", "debootstrap"}, {"-d DISTRIBUTION"}},
        {"g", {"-m", "debootstrap", "--", "-d"}, {"-d", "needs a value"}},
        {"g", {"-m", "debootstrap", "--", "--", "--variant=minbase"}, {"-d DISTRIBUTION"}},
        {"g", {"-m", "rsync", "--", "--", "-a"}, {"--source"}},
        {"g", {"-m", "clone"}, {"--source"}},
        {"g", {"-m", "clone", "--", "-o", "x"}, {"clone", "-o"}},
        {"g", {"-m", "rsync", "--", "--source"}, {"--source", "needs a value"}},
    };
    for (auto& c : cases) {
        std::string e = error_of(c.name, c.args);
        EXPECT_NE(e, "(accepted)") << "accepted: " << c.name;
        for (auto& m : c.must_mention)
            EXPECT_NE(e.find(m), std::string::npos)
                << "error \"" << e << "\" lacks \"" << m << "\"";
    }
}

}  // namespace

#include "store/debootstrap.hpp"

namespace {

TEST(Debootstrap, ArgvAddsSysvRcForSysvStyleOnly) {
    vs::store::DebootstrapArgs a;
    a.suite = "bookworm";
    a.mirror = "http://m.invalid/debian";
    a.extra = {"--variant=minbase"};
    auto v = vs::store::debootstrap_argv(a, "/r", true);
    ASSERT_EQ(v.size(), 6u);
    EXPECT_EQ(v[1], "--variant=minbase");
    EXPECT_EQ(v[2], "--include=sysv-rc");
    EXPECT_EQ(v[3], "bookworm");
    EXPECT_EQ(v[4], "/r");
    EXPECT_EQ(v[5], "http://m.invalid/debian");
    EXPECT_EQ(vs::store::debootstrap_argv(a, "/r", false).size(), 5u);
    a.extra = {"--include=perl,procps"};
    EXPECT_EQ(vs::store::debootstrap_argv(a, "/r", true)[1], "--include=perl,procps,sysv-rc");
    a.extra = {"--include", "sysv-rc,perl"};
    auto w = vs::store::debootstrap_argv(a, "/r", true);
    EXPECT_EQ(w[1], "--include");
    EXPECT_EQ(w[2], "sysv-rc,perl");
}

}  // namespace
