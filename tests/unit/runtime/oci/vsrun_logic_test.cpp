// vsrun's pure logic: cgroupsPath forms, signal names, the state record, runc-style arguments.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstring>

#include "cli/vsrun_args.hpp"
#include "runtime/oci/cgroup_path.hpp"
#include "proc/init_protocol.hpp"
#include "runtime/oci/container.hpp"
#include "runtime/oci/hooks.hpp"
#include "runtime/oci/oci.hpp"

namespace vs::runtime::oci {
namespace {

TEST(VsrunCgroupPath, CgroupfsForms) {
    auto l = cgroup_location("/default/web", "web", false);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->parent, "default");
    EXPECT_EQ(l->name, "web");
    l = cgroup_location("/kubepods/besteffort/pod1/c1", "c1", false);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->parent, "kubepods/besteffort/pod1");
    EXPECT_EQ(l->name, "c1");
    l = cgroup_location("", "x", false);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->parent, "vsrun");
    EXPECT_EQ(l->name, "x");
    l = cgroup_location("/only", "x", false);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->parent, "vsrun");
    EXPECT_EQ(l->name, "only");
    EXPECT_FALSE(cgroup_location("/a/../b", "x", false));
}

TEST(VsrunCgroupPath, SystemdForm) {
    auto l = cgroup_location("system.slice:libpod:abc", "abc", true);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->parent, "system.slice");
    EXPECT_EQ(l->name, "libpod-abc.scope");
    auto bad = cgroup_location("a:b", "x", true);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().what().find("slice:prefix:name"), std::string::npos);
}

TEST(VsrunSignal, NamesAndNumbers) {
    EXPECT_EQ(*parse_signal("9"), SIGKILL);
    EXPECT_EQ(*parse_signal("KILL"), SIGKILL);
    EXPECT_EQ(*parse_signal("SIGTERM"), SIGTERM);
    EXPECT_EQ(*parse_signal("sigusr1"), SIGUSR1);
    EXPECT_EQ(*parse_signal("RTMIN+2"), SIGRTMIN + 2);
    EXPECT_FALSE(parse_signal("NOPE"));
    EXPECT_FALSE(parse_signal("0"));
    EXPECT_FALSE(parse_signal("65"));
}

TEST(VsrunId, RuncRule) {
    EXPECT_TRUE(check_id("abc-1_2+3.4"));
    EXPECT_FALSE(check_id(""));
    EXPECT_FALSE(check_id(".."));
    EXPECT_FALSE(check_id("a/b"));
    EXPECT_FALSE(check_id("a b"));
}

TEST(VsrunRecord, RoundTripAndStateJson) {
    Record r;
    r.id = "web";
    r.bundle = "/b";
    r.rootfs = "/b/rootfs";
    r.created = "2026-12-06T15:30:56.000000001Z";
    r.pid = 42;
    r.start_time = 7;
    r.annotations = {{"k", "v"}};
    r.cgroup_parent = "default";
    r.cgroup_name = "web";
    r.start_hooks = true;
    auto back = record_from_json(record_to_json(r));
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_TRUE(back->start_hooks);
    EXPECT_EQ(back->pid, 42);
    EXPECT_EQ(back->start_time, 7u);
    EXPECT_EQ(back->annotations.at("k"), "v");
    EXPECT_EQ(back->cgroup_parent, "default");
    std::string s = state_json(r, State::Stopped, false);
    EXPECT_NE(s.find("\"pid\":0"), std::string::npos) << s;
    EXPECT_NE(s.find("\"status\":\"stopped\""), std::string::npos) << s;
    EXPECT_NE(s.find("\"ociVersion\""), std::string::npos) << s;
    auto bad = record_from_json("{\"id\": 3}");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().what().find("\"id\""), std::string::npos);
}

// The layout vs-init --wait --hooks reads (tools/vs-init/hooks.cpp).
TEST(VsrunHooks, PackedForVsInit) {
    namespace wire = proc::init_protocol;
    spec::oci::Hook a;
    a.path = "/bin/sh";
    a.args = {"sh", "-c", "true"};
    a.env = {"A=b"};
    a.timeout_s = 5;
    spec::oci::Hook b;
    b.path = "/bin/true";
    auto blob = pack_hooks({a, b}, "{\"id\":\"x\"}");
    ASSERT_TRUE(blob) << blob.error().what();
    wire::HooksHeader h;
    ASSERT_GE(blob->size(), sizeof h);
    std::memcpy(&h, blob->data(), sizeof h);
    EXPECT_EQ(h.magic, wire::kHooksMagic);
    EXPECT_EQ(h.version, wire::kHooksVersion);
    EXPECT_EQ(h.n_hooks, 2u);
    EXPECT_EQ(h.state_len, 10u);
    size_t at = sizeof h;
    EXPECT_EQ(std::string(blob->c_str() + at), "{\"id\":\"x\"}");
    at += h.state_len + 1;
    wire::HookHeader hh;
    std::memcpy(&hh, blob->data() + at, sizeof hh);
    EXPECT_EQ(hh.timeout_s, 5u);
    EXPECT_EQ(hh.n_args, 3u);
    EXPECT_EQ(hh.n_env, 1u);
    at += sizeof hh;
    std::vector<std::string> strs;
    for (int i = 0; i < 5; ++i) {
        strs.emplace_back(blob->c_str() + at);
        at += strs.back().size() + 1;
    }
    EXPECT_EQ(strs, (std::vector<std::string>{"/bin/sh", "sh", "-c", "true", "A=b"}));
    std::memcpy(&hh, blob->data() + at, sizeof hh);
    EXPECT_EQ(hh.timeout_s, 0u);
    EXPECT_EQ(hh.n_args, 0u);
    at += sizeof hh;
    EXPECT_EQ(std::string(blob->c_str() + at), "/bin/true");
    EXPECT_EQ(at + 10, blob->size());
    // More than vs-init's buffer is refused, naming the hooks.
    auto big = pack_hooks({a}, std::string(wire::kMaxHooks, 'x'));
    ASSERT_FALSE(big);
    EXPECT_NE(big.error().what().find("hooks.startContainer"), std::string::npos);
}

TEST(VsrunArgs, RuncStyle) {
    using cli::vsrun::parse;
    std::vector<cli::vsrun::OptSpec> specs = {
        {{"bundle", "b"}, true}, {{"detach", "d"}, false}, {{"env", "e"}, true, true}};
    std::vector<std::string> a = {"-b",  "/x", "--detach", "--env=A=1", "-e",
                                  "B=2", "id", "sh",       "-c",        "true"};
    size_t at = 0;
    auto p = parse(a, 0, specs, &at);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->get("bundle"), "/x");
    EXPECT_TRUE(p->flag("detach"));
    EXPECT_EQ(p->values.at("env"), (std::vector<std::string>{"A=1", "B=2"}));
    EXPECT_EQ(p->positional, (std::vector<std::string>{"id", "sh", "-c", "true"}));
    auto q = parse({"--detach=false", "-bundle", "/y", "id"}, 0, specs);
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->flag("detach"));
    EXPECT_EQ(q->get("bundle"), "/y");
    auto bad = parse({"--nope", "id"}, 0, specs);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().what().find("--nope"), std::string::npos);
    EXPECT_FALSE(parse({"--bundle"}, 0, specs));
}

}  // namespace
}  // namespace vs::runtime::oci
