// Multi-call dispatch: argv[0] picks the tool; "vserver NAME CMD" picks a guest command.
#include "cli/registry.hpp"

#include <fmt/format.h>

#include <cstring>

#include "base/log.hpp"

namespace vs::cli {

Registry& Registry::get() {
    static Registry r;
    return r;
}

namespace {

void usage() {
    auto& r = Registry::get();
    fmt::print(stderr,
               "usage: vserver [--debug] NAME COMMAND [ARGS...]\n       vserver --TOOL "
               "[ARGS...]\ncommands:\n");
    for (auto& [name, help] : r.guest_help) fmt::print(stderr, "  {:<12} {}\n", name, help);
    fmt::print(stderr, "host tools (also as their own names):");
    for (auto& [name, fn] : r.tools) fmt::print(stderr, " {}", name);
    fmt::print(stderr, "\n");
}

int run_tool(const std::string& name, std::vector<std::string> args) {
    auto& r = Registry::get();
    auto it = r.tools.find(name);
    if (it == r.tools.end()) {
        log::error("unknown tool \"{}\"", name);
        return kUsage;
    }
    log::set_program(name);
    return it->second(args);
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
    while (!args.empty() && args[0].rfind("-", 0) == 0) {
        if (args[0] == "--debug" || args[0] == "-v" || args[0] == "--verbose") {
            ::setenv("VSERVER_DEBUG", "1", 1);
        } else if (args[0] == "--silent") {
            ::setenv("VSERVER_QUIET", "1", 1);
        } else if (args[0] == "-h" || args[0] == "--help") {
            usage();
            return kOk;
        } else {
            log::error("unknown option \"{}\"", args[0]);
            return kUsage;
        }
        args.erase(args.begin());
    }
    if (args.size() < 2) {
        usage();
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
    return it->second(cmd);
}

}  // namespace vs::cli
