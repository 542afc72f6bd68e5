// config/oci: engine-shaped config.json files (tests/fixtures/oci/, written from the shapes in
// reference/engines.md) parse into the expected oci::Spec and map into a valid GuestSpec.
#include <sys/personality.h>
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/oci/parse.hpp"
#include "config/oci/to_guest_spec.hpp"
#include "spec/capabilities.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(VS_SOURCE_DIR) + "/tests/fixtures/oci/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

so::Spec parse_fixture(const std::string& name, Ignored* ignored = nullptr) {
    auto s = parse_config(fixture(name), "/run/bundles/b1", ignored);
    EXPECT_TRUE(s.has_value()) << name << ": " << (s ? "" : s.error().what());
    return s ? *s : so::Spec{};
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

uint64_t caps(std::initializer_list<int> list) {
    uint64_t set = 0;
    for (int c : list) set |= spec::cap_bit(c);
    return set;
}

}  // namespace

TEST(OciFixtures, Podman) {
    Ignored ignored;
    so::Spec s = parse_fixture("podman.json", &ignored);
    EXPECT_TRUE(ignored.empty());
    EXPECT_EQ(s.oci_version, "1.0.2-dev");
    ASSERT_TRUE(s.process);
    const auto& p = *s.process;
    EXPECT_EQ(p.args, (std::vector<std::string>{"/bin/sh", "-c", "sleep 1000"}));
    EXPECT_EQ(p.user.umask, 18u);
    EXPECT_EQ(p.user.additional_gids.size(), 7u);
    ASSERT_TRUE(p.capabilities);
    EXPECT_EQ(__builtin_popcountll(p.capabilities->bounding), 11);
    EXPECT_EQ(p.capabilities->ambient, 0u);
    EXPECT_TRUE(p.capabilities->bounding & spec::cap_bit(*spec::cap_from_name("SYS_CHROOT")));
    ASSERT_EQ(p.rlimits.size(), 2u);
    EXPECT_EQ(p.rlimits[0].resource, RLIMIT_NOFILE);
    EXPECT_EQ(p.rlimits[1].resource, RLIMIT_NPROC);
    EXPECT_EQ(*p.rlimits[1].limit.soft, 32768u);
    EXPECT_EQ(p.oom_score_adj, 0);
    EXPECT_EQ(s.root->path, "/var/lib/containers/storage/overlay/3f9a/merged");
    EXPECT_FALSE(s.root->readonly);
    ASSERT_EQ(s.mounts.size(), 10u);
    const auto& dev = s.mounts[1];
    EXPECT_FALSE(dev.bind);
    EXPECT_EQ(dev.attr_set, so::kAttrNosuid | so::kAttrStrictatime);
    EXPECT_EQ(dev.attr_clr, so::kAttrAtimeMask);
    EXPECT_EQ(dev.data, (std::vector<std::pair<std::string, std::string>>{{"mode", "755"},
                                                                          {"size", "65536k"}}));
    const auto& resolv = s.mounts[5];
    EXPECT_TRUE(resolv.bind);
    EXPECT_FALSE(resolv.recursive);
    EXPECT_EQ(resolv.propagation.type, so::Propagation::Private);
    EXPECT_TRUE(resolv.propagation.recursive);
    const auto& cg = s.mounts[9];
    EXPECT_EQ(cg.attr_set, so::kAttrNosuid | so::kAttrNoexec | so::kAttrNodev | so::kAttrRdonly);
    EXPECT_EQ(s.annotations.at("org.opencontainers.image.stopSignal"), "15");
    EXPECT_EQ(s.linux.cgroups_path, "/libpod_parent/libpod-b7c1e4a9f0d2");
    ASSERT_EQ(s.linux.namespaces.size(), 5u);
    EXPECT_EQ(s.linux.namespaces[1].type, so::NamespaceType::Network);
    ASSERT_TRUE(s.linux.resources && s.linux.resources->memory);
    EXPECT_EQ(s.linux.resources->pids_limit, 2048);
    ASSERT_TRUE(s.linux.seccomp);
    const auto& sc = *s.linux.seccomp;
    EXPECT_EQ(sc.default_action, so::SeccompAction::Errno);
    EXPECT_EQ(sc.default_errno_ret, 38u);
    EXPECT_EQ(sc.architectures, (std::vector<std::string>{"x86_64", "x86", "x32"}));
    ASSERT_EQ(sc.syscalls.size(), 4u);
    EXPECT_EQ(sc.syscalls[0].errno_ret, 1u);
    EXPECT_EQ(sc.syscalls[3].args[0].op, so::SeccompOp::MaskedEqual);
    EXPECT_EQ(sc.syscalls[3].args[0].value, 2114060288u);
    EXPECT_EQ(s.linux.masked_paths.size(), 11u);

    std::vector<std::string> nm;
    auto g = to_guest_spec(s, "b7c1e4a9f0d2", &nm);
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_EQ(g->name, "b7c1e4a9f0d2");
    EXPECT_EQ(g->nodename, "b7c1e4a9f0d2");
    EXPECT_EQ(g->resources.memory_max, 64 << 20);
    EXPECT_EQ(g->resources.memory_swap_max, 64 << 20);  // 128M of memory+swap, 64M of it memory
    EXPECT_EQ(g->resources.pids_max, 2048);
    EXPECT_EQ(g->caps.bounding, p.capabilities->bounding);
    EXPECT_EQ(g->rlimits.at("nofile").hard, 20000u);
    EXPECT_FALSE(g->rlimits.count("nproc"));
    EXPECT_TRUE(g->ns.net);
    EXPECT_FALSE(g->ns.user);
    EXPECT_EQ(g->seccomp_profile, "unconfined");
    EXPECT_TRUE(has(nm, "process.rlimits[1]"));
    EXPECT_TRUE(has(nm, "linux.seccomp"));
}

TEST(OciFixtures, Containerd) {
    so::Spec s = parse_fixture("containerd.json");
    ASSERT_TRUE(s.process);
    EXPECT_TRUE(s.process->terminal);
    ASSERT_TRUE(s.process->console_size);
    EXPECT_EQ(s.process->console_size->width, 120u);
    EXPECT_TRUE(s.process->no_new_privileges);
    // root.path is relative to the bundle.
    EXPECT_EQ(s.root->path, "/run/bundles/b1/rootfs");
    const auto& rules = s.linux.resources->devices;
    ASSERT_EQ(rules.size(), 11u);
    EXPECT_FALSE(rules[0].allow);
    EXPECT_EQ(rules[0].type, 'a');
    EXPECT_FALSE(rules[0].major);
    EXPECT_TRUE(rules[8].allow);
    EXPECT_EQ(rules[8].major, 136);
    EXPECT_FALSE(rules[8].minor);  // every pty slave
    EXPECT_EQ(s.linux.cgroups_path, "/default/ctr-demo");
    auto g = to_guest_spec(s, "ctr-demo");
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_EQ(g->root, "/run/bundles/b1/rootfs");
    EXPECT_TRUE(g->no_new_privs);
    EXPECT_EQ(g->rlimits.at("nofile").soft, 1024u);
}

TEST(OciFixtures, CriSandboxJoinsTheCniNetns) {
    so::Spec s = parse_fixture("cri-sandbox.json");
    EXPECT_EQ(s.process->user.uid, 65535u);
    EXPECT_TRUE(s.root->readonly);
    EXPECT_EQ(s.hostname, "pod-a");
    const auto& net = s.linux.namespaces[4];
    EXPECT_EQ(net.type, so::NamespaceType::Network);
    EXPECT_EQ(net.path, "/var/run/netns/cni-1b2c");
    EXPECT_TRUE(s.mounts[2].bind && s.mounts[2].recursive);
    EXPECT_EQ(s.mounts[2].attr_set,
              so::kAttrRdonly | so::kAttrNosuid | so::kAttrNodev | so::kAttrNoexec);
    EXPECT_EQ(s.linux.sysctl.at("net.ipv4.ip_unprivileged_port_start"), "0");
    std::vector<std::string> nm;
    auto g = to_guest_spec(s, "5e1d0c7a", &nm);
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_EQ(g->resources.cpu_weight, 1u);  // cpu.shares 2, the v1 minimum
    EXPECT_TRUE(has(nm, "linux.namespaces[4].path"));
}

TEST(OciFixtures, CriContainerJoinsThePause) {
    so::Spec s = parse_fixture("cri-container.json");
    EXPECT_EQ(s.process->cwd, "/work");
    EXPECT_EQ(s.process->oom_score_adj, 1000);
    ASSERT_TRUE(s.process->capabilities);
    EXPECT_EQ(s.process->capabilities->effective, 0u);
    for (size_t i : {0, 1, 2, 4})
        EXPECT_EQ(s.linux.namespaces[i].path.rfind("/proc/4242/ns/", 0), 0u);
    EXPECT_TRUE(s.linux.namespaces[3].path.empty());
    const auto& data = s.mounts[8];
    EXPECT_EQ(data.rec_attr_set, so::kAttrRdonly);
    EXPECT_EQ(data.attr_set, so::kAttrNosuid | so::kAttrNodev);
    const auto& hosts = s.mounts[6];
    EXPECT_EQ(hosts.attr_clr, so::kAttrRdonly);
    auto g = to_guest_spec(s, "9f8e7d6c");
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_EQ(g->resources.pids_max, -1);  // 0 is unlimited in the spec
    EXPECT_EQ(g->resources.memory_swap_max, 0);
    EXPECT_EQ(g->resources.cpu_quota_us, 50000);
    EXPECT_EQ(g->resources.cpu_period_us, 100000u);
    EXPECT_EQ(g->resources.hugetlb_max.at("2MB"), "0");
    EXPECT_EQ(g->resources.passthrough.at("memory.oom.group"), "1");
    EXPECT_EQ(g->oom_score_adj, 1000);
}

TEST(OciFixtures, UserNamespaceIdmapSeccompNotifyHooks) {
    Ignored ignored;
    so::Spec s = parse_fixture("rootless-userns.json", &ignored);
    EXPECT_EQ(ignored, (Ignored{"vendorExtension", "linux.futureField"}));
    const auto& c = *s.process->capabilities;
    int net_raw = *spec::cap_from_name("NET_RAW"), setuid = *spec::cap_from_name("SETUID");
    EXPECT_EQ(c.ambient, caps({net_raw}));
    EXPECT_EQ(c.permitted, caps({net_raw, setuid}));
    EXPECT_EQ(s.process->rlimits[1].limit.hard, spec::Rlimit::kUnlimited);
    EXPECT_EQ(s.domainname, "example.org");
    const auto& shared = s.mounts[1];
    EXPECT_TRUE(shared.bind && shared.recursive && shared.idmap && shared.idmap_recursive);
    EXPECT_EQ(shared.uid_mappings[0].host_id, 200000u);
    EXPECT_EQ(shared.rec_attr_set, so::kAttrNoexec);
    EXPECT_EQ(shared.propagation.type, so::Propagation::Slave);
    const auto& tmp = s.mounts[2];
    EXPECT_TRUE(tmp.tmpcopyup);
    // "async" after "sync" undoes it.
    EXPECT_EQ(tmp.data, (std::vector<std::pair<std::string, std::string>>{{"size", "16m"}}));
    EXPECT_EQ(tmp.attr_set, so::kAttrNosuid | so::kAttrNodev | so::kAttrNoatime);
    ASSERT_EQ(s.hooks.create_runtime.size(), 1u);
    EXPECT_EQ(s.hooks.create_runtime[0].timeout_s, 10);
    EXPECT_EQ(s.hooks.create_runtime[0].args[1], "up");
    EXPECT_FALSE(s.hooks.poststop[0].timeout_s);
    EXPECT_EQ(s.linux.time_offsets.at("boottime").secs, -60);
    EXPECT_EQ(s.linux.personality->persona, static_cast<uint32_t>(PER_LINUX32));
    EXPECT_EQ(s.linux.rootfs_propagation.type, so::Propagation::Slave);
    ASSERT_EQ(s.linux.devices.size(), 2u);
    EXPECT_EQ(s.linux.devices[0].file_mode, 0666u);
    EXPECT_EQ(s.linux.devices[1].type, 'p');
    const auto& sc = *s.linux.seccomp;
    EXPECT_EQ(sc.flags, so::kSeccompLog | so::kSeccompSpecAllow);
    EXPECT_EQ(sc.listener_path, "/run/seccomp-agent.sock");
    EXPECT_EQ(sc.syscalls[0].action, so::SeccompAction::Notify);
    EXPECT_EQ(sc.syscalls[2].action, so::SeccompAction::KillProcess);

    std::vector<std::string> nm;
    auto g = to_guest_spec(s, "demo", &nm);
    ASSERT_TRUE(g) << g.error().what();
    EXPECT_TRUE(g->ns.user);
    EXPECT_TRUE(g->ns.time);
    ASSERT_TRUE(g->idmap);
    EXPECT_EQ(g->idmap->host_base, 100000u);
    EXPECT_EQ(g->idmap->count, 65536u);
    EXPECT_EQ(g->personality, static_cast<uint32_t>(PER_LINUX32));
    EXPECT_EQ(g->rlimits.at("as").soft, spec::Rlimit::kUnlimited);
}

}  // namespace vs::config::oci
