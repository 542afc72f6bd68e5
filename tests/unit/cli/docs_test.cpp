// Every command documents itself: a CommandDoc (--help, completion) for each verb and tool, a man
// page for each installed name, each verb in vserver.8 and each config key in vserver-config.5.
// (Rendering without warnings: tests/integration/docs.bats.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli/registry.hpp"
#include "config/vserver/registry.hpp"

namespace vs::cli {
namespace {

std::string read(const std::string& rel) {
    std::ifstream in(std::string(VS_SOURCE_DIR) + "/" + rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A man page's text with "\-" read as "-", so names are found as typed.
std::string page(const std::string& name) {
    std::string s = read("man/" + name);
    for (size_t at = 0; (at = s.find("\\-", at)) != std::string::npos;) s.erase(at, 1);
    return s;
}

// Names of a set(NAME ...) list in CMakeLists.txt, one or more a line.
std::vector<std::string> cmake_list(const std::string& var) {
    std::string text = read("CMakeLists.txt");
    std::smatch m;
    EXPECT_TRUE(std::regex_search(text, m, std::regex("set\\(" + var + "([^)]*)\\)"))) << var;
    std::vector<std::string> out;
    std::istringstream in(m[1].str());
    for (std::string line; std::getline(in, line);) {
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        for (std::string w; words >> w;) out.push_back(w);
    }
    return out;
}

// A line ".B NAME" or ".B NAME ..." (a .TP entry's tag).
bool has_entry(const std::string& text, const std::string& name) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line == ".B " + name || line.rfind(".B " + name + " ", 0) == 0) return true;
    return false;
}

TEST(CommandDocs, EveryInstalledNameIsARegisteredToolWithAPage) {
    std::vector<std::string> names = cmake_list("VS_TOOL_LINKS");
    for (auto& n : cmake_list("VS_NSS_TOOL_LINKS")) names.push_back(n);
    ASSERT_FALSE(names.empty());
    names.push_back("vps");
    for (auto& n : names) {
        EXPECT_TRUE(Registry::get().tools.count(n)) << n << " is linked but not a registered tool";
        EXPECT_TRUE(
            std::filesystem::is_regular_file(std::string(VS_SOURCE_DIR) + "/man/" + n + ".8"))
            << "man/" << n << ".8 missing";
    }
    EXPECT_TRUE(std::filesystem::is_regular_file(std::string(VS_SOURCE_DIR) + "/man/vserver.8"));
}

TEST(CommandDocs, EveryToolHasAPageAndHelp) {
    for (auto& [name, doc] : Registry::get().tool_docs) {
        EXPECT_TRUE(
            std::filesystem::is_regular_file(std::string(VS_SOURCE_DIR) + "/man/" + name + ".8"))
            << "man/" << name << ".8 missing";
        EXPECT_FALSE(doc.summary.empty()) << name << ": RegisterTool without a CommandDoc";
        EXPECT_EQ(doc.usage.rfind("usage: ", 0), 0u) << name << ": usage must start \"usage: \"";
        EXPECT_TRUE(has_entry(page("vserver.8"), name) ||
                    page("vserver.8").find(".BR " + name + " (8)") != std::string::npos)
            << name << " is not named in vserver.8's HOST TOOLS";
    }
}

TEST(CommandDocs, EveryVerbIsInVserver8WithHelp) {
    std::string man = page("vserver.8");
    ASSERT_FALSE(man.empty()) << "man/vserver.8 missing";
    ASSERT_FALSE(Registry::get().guest_docs.empty());
    for (auto& [verb, doc] : Registry::get().guest_docs) {
        EXPECT_TRUE(has_entry(man, verb))
            << "vserver.8 has no \".B " << verb << "\" entry under COMMANDS";
        EXPECT_FALSE(doc.summary.empty()) << verb;
        EXPECT_NE(help_text(verb, true).find("usage: vserver"), std::string::npos) << verb;
    }
}

TEST(CommandDocs, EveryOptionIsOneWord) {
    auto check = [](const std::string& name, const CommandDoc& d) {
        std::set<std::string> seen;
        for (auto& o : d.options) {
            EXPECT_FALSE(o.empty()) << name;
            EXPECT_EQ(o.find_first_of(" \t=\n"), std::string::npos) << name << ": \"" << o << "\"";
            EXPECT_TRUE(seen.insert(o).second) << name << ": " << o << " twice";
        }
    };
    for (auto& [n, d] : Registry::get().guest_docs) check(n, d);
    for (auto& [n, d] : Registry::get().tool_docs) {
        check(n, d);
        // A tool's verbs (vsrun create ...): each is one of its words, its options one word each.
        for (auto& [verb, opts] : d.verb_options) {
            EXPECT_NE(std::find(d.options.begin(), d.options.end(), verb), d.options.end())
                << n << ": verb " << verb << " is not in its options";
            check(n + " " + verb, CommandDoc{"", "", opts, {}});
        }
    }
    ASSERT_TRUE(Registry::get().tool_docs.count("vsrun"));
    EXPECT_FALSE(Registry::get().tool_docs.at("vsrun").verb_options.at("create").empty());
}

// "--name" as a man page spells it ("\-\-name"; page() reads "\-" as "-") in a word of its own.
bool mentions(std::string text, const std::string& option) {
    // Font changes (\fB, \fI, \fR, \fP) are not part of a word.
    for (size_t at = 0; (at = text.find("\\f", at)) != std::string::npos;) text.erase(at, 3);
    for (size_t at = 0; (at = text.find(option, at)) != std::string::npos; at += option.size()) {
        size_t end = at + option.size();
        auto part_of_name = [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        };
        if ((at == 0 || !part_of_name(text[at - 1])) &&
            (end == text.size() || !part_of_name(text[end])))
            return true;
    }
    return false;
}

TEST(CommandDocs, EveryOptionIsInItsManPage) {
    for (auto& [name, doc] : Registry::get().tool_docs) {
        std::string man = page(name + ".8");
        for (auto& o : doc.options) {
            if (o[0] != '-') continue;
            EXPECT_TRUE(mentions(man, o)) << o << " is not in man/" << name << ".8";
        }
    }
    std::string man = page("vserver.8");
    for (auto& [verb, doc] : Registry::get().guest_docs) {
        for (auto& o : doc.options) {
            if (o[0] != '-') continue;
            EXPECT_TRUE(mentions(man, o)) << verb << " " << o << " is not in vserver.8";
        }
    }
}

TEST(CommandDocs, EveryConfigKeyIsInVserverConfig5) {
    std::string man = page("vserver-config.5");
    ASSERT_FALSE(man.empty()) << "man/vserver-config.5 missing";
    for (const auto& k : config::vserver::keys())
        EXPECT_TRUE(has_entry(man, k.pattern))
            << k.pattern << " has no entry in man/vserver-config.5 (run "
            << "scripts/man-config-keys.py after adding it to docs/config-vserver.md)";
}

TEST(CommandDocs, VersionNamesTheProject) {
    std::string v = version();
    ASSERT_FALSE(v.empty());
    EXPECT_TRUE(v[0] >= '0' && v[0] <= '9') << v;
}

}  // namespace
}  // namespace vs::cli
