// The command registry: each cli/ file registers its commands at static-init time, so adding a
// command touches one file. (vs_cli is linked whole-archive so no registrar is dropped.)
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/paths.hpp"

namespace vs::cli {

/// Exit codes, documented in docs/exit-codes.md.
enum Exit : int {
    kOk = 0,
    kFail = 1,     ///< the operation failed (message on stderr)
    kUsage = 2,    ///< bad command line or config value
    kStopped = 3,  ///< `status`: the guest is not running (util-vserver)
};

/// `vserver NAME CMD args...`: one guest command.
struct GuestCommand {
    std::string guest;              ///< as given: a name (validated by the command)
    std::vector<std::string> args;  ///< after CMD
    config::Paths paths;
};
using GuestCommandFn = std::function<int(GuestCommand&)>;

/// A host tool invoked as its own argv[0] (vps, vkill...) or as `vserver --tool ARGS`.
using ToolFn = std::function<int(std::vector<std::string>& args)>;

struct Registry {
    std::map<std::string, GuestCommandFn> guest_commands;
    std::map<std::string, std::string> guest_help;
    std::map<std::string, ToolFn> tools;
    static Registry& get();
};

struct RegisterGuestCommand {
    RegisterGuestCommand(const char* name, const char* help, GuestCommandFn fn) {
        Registry::get().guest_commands[name] = std::move(fn);
        Registry::get().guest_help[name] = help;
    }
};
struct RegisterTool {
    RegisterTool(const char* name, ToolFn fn) { Registry::get().tools[name] = std::move(fn); }
};

/// Entry point of the multi-call binary: dispatches on basename(argv[0]).
int main(int argc, char** argv);

}  // namespace vs::cli
