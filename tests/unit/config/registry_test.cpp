// The key registry is complete: every row has a parser, a writer, a doc line and a GuestSpec
// field, is documented in docs/config-vserver.md, and every key the issues name is claimed.
#include "config/vserver/registry.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "spec/context_flags.hpp"

namespace vs::config::vserver {
namespace {

std::string read_doc() {
    std::ifstream in(std::string(VS_SOURCE_DIR) + "/docs/config-vserver.md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(Registry, EveryRowIsComplete) {
    ASSERT_FALSE(keys().empty());
    for (const auto& k : keys()) {
        EXPECT_FALSE(k.pattern.empty());
        EXPECT_TRUE(static_cast<bool>(k.parse)) << k.pattern;
        EXPECT_TRUE(static_cast<bool>(k.write)) << k.pattern;
        EXPECT_FALSE(k.doc.empty()) << k.pattern;
        EXPECT_FALSE(k.type.empty()) << k.pattern;
        EXPECT_FALSE(k.maps.empty()) << k.pattern << " has no GuestSpec field in registry.cpp";
    }
}

TEST(Registry, PatternsAreUnique) {
    for (size_t a = 0; a < keys().size(); ++a)
        for (size_t b = a + 1; b < keys().size(); ++b)
            EXPECT_NE(keys()[a].pattern, keys()[b].pattern);
}

TEST(Registry, EveryRowHasADocLine) {
    auto doc = read_doc();
    ASSERT_FALSE(doc.empty()) << "docs/config-vserver.md missing";
    for (const auto& k : keys())
        EXPECT_NE(doc.find("| `" + k.pattern + "` |"), std::string::npos)
            << k.pattern << " has no line in docs/config-vserver.md";
}

TEST(Registry, EveryFlagAndCcapIsDocumented) {
    auto doc = read_doc();
    for (const auto& e : spec::cflag_table())
        EXPECT_NE(doc.find(std::string("| `") + e.name + "` |"), std::string::npos) << e.name;
    for (const auto& e : spec::ccap_table())
        EXPECT_NE(doc.find(std::string("| `") + e.name + "` |"), std::string::npos) << e.name;
}

// Concrete files the issues (2 item 4, 3 item 1, 4 item 2 and 6) name; each must find a row.
TEST(Registry, EveryKeyOfTheIssuesIsClaimed) {
    const char* files[] = {
        "name",
        "context",
        "uts/nodename",
        "uts/domainname",
        "interfaces/dev",
        "interfaces/prefix",
        "interfaces/mask",
        "interfaces/0/ip",
        "interfaces/0/prefix",
        "interfaces/0/mask",
        "interfaces/0/dev",
        "interfaces/0/name",
        "interfaces/0/nodev",
        "interfaces/0/disabled",
        "interfaces/0/mode",
        "interfaces/0/mac",
        "interfaces/0/gateway",
        "bcapabilities",
        "ccapabilities",
        "flags",
        "cflags",
        "apps/init/style",
        "apps/init/mark",
        "apps/init/runlevel",
        "apps/init/runlevel.start",
        "apps/init/runlevel.stop",
        "apps/init/killseq",
        "apps/init/cmd.start",
        "apps/init/cmd.stop",
        "apps/init/cmd.prepare",
        "apps/init/cmd.start-sync",
        "apps/init/cmd.stop-sync",
        "apps/init/mtab",
        "apps/init/depends",
        "apps/init/environment",
        "fstab",
        "vdir",
        "cache",
        "run",
        "rlimits/nofile",
        "rlimits/nofile.hard",
        "rlimits/nofile.soft",
        "rlimits/rss.min",
        "ulimits/nofile",
        "scripts/initialize",
        "scripts/prepre-start",
        "scripts/pre-start",
        "scripts/post-start",
        "scripts/pre-stop",
        "scripts/post-stop",
        "scripts/postpost-stop",
        "scripts/pre-start.d/10-x",
        "scripts/post-stop.d/x",
        "shell",
        "nice",
        "badness",
        "personality",
        "sched/fill-rate",
        "sched/interval",
        "sched/priority-bias",
        "cpuset/cpus",
        "cpuset/mems",
        "cpuset/name",
        "cgroup/memory.limit_in_bytes",
        "limits/memory.max",
        "limits/memory.high",
        "limits/memory.swap.max",
        "limits/cpu.max",
        "limits/cpu.weight",
        "limits/pids.max",
        "limits/io.weight",
        "dlimits/root/directory",
        "dlimits/root/space_total",
        "dlimits/root/inodes_total",
        "dlimits/root/reserved",
        "namespace",
        "nonamespace",
        "userns",
        "nonewprivs",
        "seccomp",
    };
    for (const char* f : files) EXPECT_NE(find_key(f), nullptr) << f;
}

TEST(Registry, UnrelatedFilesAreNotClaimed) {
    for (const char* f : {"frob", "interfaces/0/frob", "apps/init/frob", "uts/sysname",
                          "scripts/pre-start.d/a/b", "limits/memory.frob", "nflags"})
        EXPECT_EQ(find_key(f), nullptr) << f;
}

TEST(Registry, WildcardsCapture) {
    std::vector<std::string> parts;
    ASSERT_NE(find_key("interfaces/eth0/ip", &parts), nullptr);
    EXPECT_EQ(parts, std::vector<std::string>{"eth0"});
    const Key* k = find_key("scripts/pre-start.d/10-net", &parts);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->pattern, "scripts/*.d/*");
    EXPECT_EQ(parts, (std::vector<std::string>{"pre-start", "10-net"}));
    k = find_key("limits/hugetlb.2MB.max", &parts);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(parts, std::vector<std::string>{"2MB"});
}

}  // namespace
}  // namespace vs::config::vserver

namespace vs::config::vserver {
namespace {

// config set's restart notice and config list's APPLIES column come from Key::applies: every
// row says when it takes effect, and the docs' key table says the same in its last column.
TEST(Registry, EveryRowSaysWhenItApplies) {
    auto doc = read_doc();
    for (const auto& k : keys()) {
        EXPECT_NE(k.applies, Applies::Unset) << k.pattern << " has no row in key_effects.cpp";
        std::string row = "| `" + k.pattern + "` |";
        auto at = doc.find(row);
        if (at == std::string::npos) continue;  // EveryRowHasADocLine reports it
        auto eol = doc.find('\n', at);
        std::string line = doc.substr(at, eol - at);
        std::string want = std::string(" | ") + applies_name(k.applies) + " |";
        EXPECT_TRUE(line.size() >= want.size() &&
                    line.compare(line.size() - want.size(), want.size(), want) == 0)
            << k.pattern << ": docs/config-vserver.md's applies column should be "
            << applies_name(k.applies);
    }
}

// A key with a default shows it in the key's own syntax: the parser accepts it.
TEST(Registry, BuiltinDefaultsParse) {
    for (const auto& k : keys()) {
        if (!k.builtin || k.builtin->empty()) continue;
        std::string rel = k.pattern;
        for (auto at = rel.find('*'); at != std::string::npos; at = rel.find('*'))
            rel.replace(at, 1, k.pattern.rfind("limits/hugetlb", 0) == 0 ? "2MB" : "0");
        std::vector<std::string> parts;
        ASSERT_EQ(find_key(rel, &parts), &k) << rel;
        spec::GuestSpec s;
        apply_defaults(s);
        LoadState st;
        st.dir = ".";
        std::string text = *k.builtin + "\n";
        EXPECT_TRUE(k.parse(s, st, KeyFile{rel, rel, parts, text})) << k.pattern;
    }
}

}  // namespace
}  // namespace vs::config::vserver
