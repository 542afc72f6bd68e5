// config get/list's reading of a tree (values, provenance) and the near-key suggestions.
#include "config/vserver/key_values.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>

#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

class KeyValuesTest : public TreeTest {
protected:
    const KeyValue* find(const std::vector<KeyValue>& all, const std::string& rel) {
        auto it =
            std::find_if(all.begin(), all.end(), [&](const KeyValue& v) { return v.rel == rel; });
        return it == all.end() ? nullptr : &*it;
    }
};

TEST_F(KeyValuesTest, ListsFilesDefaultsAndProvenance) {
    put("g", "context", "40010\n");
    put("g", "interfaces/0/ip", "192.0.2.10\n");
    put("g", "bcapabilities", "# hand-made\nNET_ADMIN\n\n!SYS_BOOT\n");
    put("g", "nonewprivs", "");
    put("g", "notes.txt", "unknown\n");
    put(".defaults", "shell", "/bin/zsh\n");
    auto all = list_values(paths_, "g");
    ASSERT_TRUE(all) << all.error().what();
    const KeyValue* ctx = find(*all, "context");
    ASSERT_TRUE(ctx);
    EXPECT_EQ(ctx->source, Source::Guest);
    EXPECT_EQ(value_lines(*ctx), std::vector<std::string>{"40010"});
    EXPECT_EQ(value_lines(*find(*all, "bcapabilities")),
              (std::vector<std::string>{"NET_ADMIN", "!SYS_BOOT"}));
    EXPECT_EQ(value_lines(*find(*all, "nonewprivs")), std::vector<std::string>{"yes"});
    EXPECT_EQ(find(*all, "interfaces/0/ip")->key->pattern, "interfaces/*/ip");
    const KeyValue* unknown = find(*all, "notes.txt");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->key, nullptr);
    const KeyValue* shell = find(*all, "shell");
    ASSERT_TRUE(shell);
    EXPECT_EQ(shell->source, Source::Defaults);
    EXPECT_EQ(value_lines(*shell), std::vector<std::string>{"/bin/zsh"});
    const KeyValue* seccomp = find(*all, "seccomp");
    ASSERT_TRUE(seccomp);
    EXPECT_EQ(seccomp->source, Source::Builtin);
    EXPECT_EQ(value_lines(*seccomp), std::vector<std::string>{"default"});
    EXPECT_EQ(find(*all, "vdir")->text, paths_.guest_root("g"));
    EXPECT_EQ(find(*all, "uts/nodename")->source, Source::Unset);
    EXPECT_EQ(value_lines(*find(*all, "userns")), std::vector<std::string>{});
    // Old aliases only when their file exists.
    EXPECT_EQ(find(*all, "flags"), nullptr);
    EXPECT_EQ(find(*all, "hostname"), nullptr);
}

TEST_F(KeyValuesTest, GetReadsOneKeyOrItsDefault) {
    put("g", "apps/init/killseq", "15 2 9\n");
    auto v = get_value(paths_, "g", "apps/init/killseq");
    ASSERT_TRUE(v) << v.error().what();
    EXPECT_EQ(v->source, Source::Guest);
    v = get_value(paths_, "g", "apps/init/timeout");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->source, Source::Builtin);
    EXPECT_EQ(value_lines(*v), std::vector<std::string>{"90"});
    EXPECT_FALSE(get_value(paths_, "g", "no/such/key"));
    EXPECT_FALSE(get_value(paths_, "missing", "context"));
    // A key's file that is a FIFO is refused, never opened for reading (read_config_file).
    ASSERT_EQ(::mkfifo((dir("g") + "/nice").c_str(), 0600), 0);
    auto fifo = get_value(paths_, "g", "nice");
    ASSERT_FALSE(fifo);
    EXPECT_NE(fifo.error().what().find("FIFO"), std::string::npos) << fifo.error().what();
}

TEST(KeySuggestions, TyposAndLastComponents) {
    auto has = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    EXPECT_EQ(suggest_keys("uts/nodname").at(0), "uts/nodename");
    EXPECT_EQ(suggest_keys("nodename").at(0), "uts/nodename");
    EXPECT_EQ(suggest_keys("limits/memory.mx").at(0), "limits/memory.max");
    EXPECT_TRUE(has(suggest_keys("interfaces/3/dv"), "interfaces/3/dev"));
    EXPECT_EQ(suggest_keys("interfaces/3/gatway").at(0), "interfaces/3/gateway");
    EXPECT_TRUE(suggest_keys("completely-unrelated-thing").empty());
    for (const auto& s : suggest_keys("limits/memory.mx")) EXPECT_NE(s, "limits/memory.mx");
}

}  // namespace
}  // namespace vs::config::vserver::test
