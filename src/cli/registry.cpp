// Multi-call dispatch: argv[0] picks the tool; "vserver NAME CMD" picks a guest command. Every
// command's --help and --version are answered here, from its CommandDoc.
#include "cli/registry.hpp"

#include <fmt/format.h>

#include <cstring>

#include "base/log.hpp"
#include "config/vserver/registry.hpp"

namespace vs::cli {

Registry& Registry::get() {
    static Registry r;
    return r;
}

int unknown_option(const std::string& option, const char* usage) {
    log::error("unknown option \"{}\"", option);
    fmt::print(stderr, "{}", usage);
    return kUsage;
}

std::string help_text(const std::string& name, bool verb) {
    auto& r = Registry::get();
    auto& docs = verb ? r.guest_docs : r.tool_docs;
    auto it = docs.find(name);
    if (it == docs.end()) return {};
    const CommandDoc& d = it->second;
    std::string out = fmt::format("{}{}: {}\n", verb ? "vserver NAME " : "", name, d.summary);
    if (!d.usage.empty())
        out += d.usage;
    else
        out +=
            verb ? fmt::format("usage: vserver NAME {}\n", name) : fmt::format("usage: {}\n", name);
    out += fmt::format("See {}.\n", verb ? "vserver(8)" : name + "(8)");
    return out;
}

namespace {

void usage(std::FILE* to) {
    auto& r = Registry::get();
    fmt::print(to,
               "usage: vserver [--debug|--silent] NAME COMMAND [ARGS...]\n"
               "       vserver --TOOL [ARGS...]\n"
               "       vserver --help [COMMAND|TOOL] | --version\n"
               "commands:\n");
    for (auto& [name, doc] : r.guest_docs) fmt::print(to, "  {:<12} {}\n", name, doc.summary);
    fmt::print(to, "host tools (also as their own names):");
    for (auto& [name, fn] : r.tools) fmt::print(to, " {}", name);
    fmt::print(to, "\nSee vserver(8).\n");
}

void print_version(const std::string& self) { fmt::print("{} (vserver-ng) {}\n", self, version()); }

// The first argument only: after it, "--help" may be an argument of the command (exec's
// program, vps's ps options).
bool answer_help_or_version(const std::string& self, const std::string& name, bool verb,
                            const std::vector<std::string>& args) {
    if (args.empty()) return false;
    if (args[0] == "--version") {
        print_version(self);
        return true;
    }
    if (args[0] == "--help") {
        fmt::print("{}", help_text(name, verb));
        return true;
    }
    return false;
}

int run_tool(const std::string& name, std::vector<std::string> args) {
    auto& r = Registry::get();
    auto it = r.tools.find(name);
    if (it == r.tools.end()) {
        log::error("unknown tool \"{}\"", name);
        return kUsage;
    }
    if (answer_help_or_version(name, name, false, args)) return kOk;
    log::set_program(name);
    return it->second(args);
}

// The hidden options bash completion (completion/vserver) asks: one word a line.
int list(const std::vector<std::string>& args) {
    auto& r = Registry::get();
    const std::string& what = args[0];
    if (what == "--list-commands") {
        for (auto& [name, fn] : r.guest_commands) fmt::print("{}\n", name);
    } else if (what == "--list-tools") {
        for (auto& [name, fn] : r.tools) fmt::print("{}\n", name);
    } else if (what == "--list-keys") {
        for (auto& k : config::vserver::keys()) fmt::print("{}\n", k.pattern);
    } else {  // --list-options VERB|TOOL [TOOL'S VERB]
        if (args.size() != 2 && args.size() != 3) {
            log::error("--list-options needs one command or tool name");
            return kUsage;
        }
        auto v = r.guest_docs.find(args[1]);
        auto t = r.tool_docs.find(args[1]);
        if (v == r.guest_docs.end() && t == r.tool_docs.end()) {
            log::error("--list-options: unknown command \"{}\"", args[1]);
            return kUsage;
        }
        const CommandDoc& doc = v != r.guest_docs.end() ? v->second : t->second;
        const std::vector<std::string>* opts = &doc.options;
        if (args.size() == 3) {
            auto sub = doc.verb_options.find(args[2]);
            if (sub == doc.verb_options.end()) {
                log::error("--list-options: {} has no verb \"{}\"", args[1], args[2]);
                return kUsage;
            }
            opts = &sub->second;
        }
        for (auto& o : *opts) fmt::print("{}\n", o);
        // A tool's verb answers --help; --version is the tool's own.
        fmt::print("{}", args.size() == 3 ? "--help\n" : "--help\n--version\n");
    }
    return kOk;
}

}  // namespace

int main(int argc, char** argv) {
    const char* base = std::strrchr(argv[0], '/');
    std::string self = base ? base + 1 : argv[0];
    std::vector<std::string> args(argv + 1, argv + argc);
    if (self != "vserver") return run_tool(self, args);

    // vserver --vps ARGS: the tools without their symlinks.
    if (!args.empty() && args[0].size() > 2 && args[0].rfind("--", 0) == 0 &&
        Registry::get().tools.count(args[0].substr(2))) {
        std::string tool = args[0].substr(2);
        args.erase(args.begin());
        return run_tool(tool, args);
    }
    if (!args.empty() && (args[0] == "--list-commands" || args[0] == "--list-tools" ||
                          args[0] == "--list-keys" || args[0] == "--list-options"))
        return list(args);
    while (!args.empty() && args[0].rfind("-", 0) == 0) {
        if (args[0] == "--debug" || args[0] == "-v" || args[0] == "--verbose") {
            ::setenv("VSERVER_DEBUG", "1", 1);
        } else if (args[0] == "--silent") {
            ::setenv("VSERVER_QUIET", "1", 1);
        } else if (args[0] == "--version" || args[0] == "-V") {
            print_version(self);
            return kOk;
        } else if (args[0] == "-h" || args[0] == "--help") {
            // vserver --help VERB|TOOL: that command's help.
            if (args.size() > 1) {
                bool verb = Registry::get().guest_docs.count(args[1]) != 0;
                std::string text = help_text(args[1], verb);
                if (text.empty()) {
                    log::error("--help: unknown command \"{}\" (try vserver --help)", args[1]);
                    return kUsage;
                }
                fmt::print("{}", text);
                return kOk;
            }
            usage(stdout);
            return kOk;
        } else {
            log::error("unknown option \"{}\" (try vserver --help)", args[0]);
            return kUsage;
        }
        args.erase(args.begin());
    }
    // vserver VERB --help: no guest needed to ask (no verb is called "--help").
    if (args.size() == 2 && args[1] == "--help" && Registry::get().guest_docs.count(args[0])) {
        fmt::print("{}", help_text(args[0], true));
        return kOk;
    }
    // vserver restore FILE [NEWNAME]: the verb whose guest does not exist yet may come first
    // (a guest called "restore" still takes its commands).
    if (!args.empty() && args[0] == "restore" && Registry::get().guest_commands.count("restore") &&
        (args.size() < 2 || !Registry::get().guest_commands.count(args[1]))) {
        GuestCommand cmd{"", std::vector<std::string>(args.begin() + 1, args.end()),
                         config::Paths::from_env()};
        if (answer_help_or_version("vserver", "restore", true, cmd.args)) return kOk;
        return Registry::get().guest_commands["restore"](cmd);
    }
    if (args.size() < 2) {
        usage(stderr);
        return kUsage;
    }
    GuestCommand cmd{args[0], std::vector<std::string>(args.begin() + 2, args.end()),
                     config::Paths::from_env()};
    auto& r = Registry::get();
    auto it = r.guest_commands.find(args[1]);
    if (it == r.guest_commands.end()) {
        log::error("unknown command \"{}\" (try vserver --help)", args[1]);
        return kUsage;
    }
    if (answer_help_or_version("vserver", args[1], true, cmd.args)) return kOk;
    return it->second(cmd);
}

}  // namespace vs::cli
