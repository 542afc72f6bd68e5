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

/// What a command tells the user and the shell about itself. The dispatcher answers `--help`
/// (with `usage`) and `--version` for every command before the command runs; bash completion
/// (completion/vserver) offers `options` through `vserver --list-options NAME`; man/NAME.8 (or
/// vserver.8 for a verb) documents it in full (tests/unit/cli/docs_test.cpp checks all three).
struct CommandDoc {
    std::string summary;               ///< one line, for `vserver --help`
    std::string usage;                 ///< the --help text: "usage: ...\n" then option lines
    std::vector<std::string> options;  ///< every option the command accepts, for completion
    /// A tool with verbs of its own (vsrun create ...): each verb's options, for completion
    /// (`vserver --list-options TOOL VERB`); the verbs are also in `options`.
    std::map<std::string, std::vector<std::string>> verb_options;
};

struct Registry {
    std::map<std::string, GuestCommandFn> guest_commands;
    std::map<std::string, CommandDoc> guest_docs;
    std::map<std::string, ToolFn> tools;
    std::map<std::string, CommandDoc> tool_docs;
    static Registry& get();
};

struct RegisterGuestCommand {
    RegisterGuestCommand(const char* name, CommandDoc doc, GuestCommandFn fn) {
        Registry::get().guest_commands[name] = std::move(fn);
        Registry::get().guest_docs[name] = std::move(doc);
    }
    /// A verb with a one-line summary only: --help prints "usage: vserver NAME VERB" and it.
    RegisterGuestCommand(const char* name, const char* summary, GuestCommandFn fn)
        : RegisterGuestCommand(name, CommandDoc{summary, {}, {}}, std::move(fn)) {}
};
struct RegisterTool {
    RegisterTool(const char* name, CommandDoc doc, ToolFn fn) {
        Registry::get().tools[name] = std::move(fn);
        Registry::get().tool_docs[name] = std::move(doc);
    }
    /// Without a CommandDoc the tool has no --help text: tests/unit/cli/docs_test.cpp fails.
    RegisterTool(const char* name, ToolFn fn) : RegisterTool(name, CommandDoc{}, std::move(fn)) {}
};

/// "vserver-ng 0.1.0+g1a2b3c4": the project version and the git commit the build was
/// configured at (CMakeLists.txt, VS_VERSION).
const char* version();

/// The --help text of a verb or tool ("usage: ..." and the option lines).
std::string help_text(const std::string& name, bool verb);

/// A tool's option it does not know: one error line naming it, then `usage` on stderr; kUsage.
int unknown_option(const std::string& option, const char* usage);

/// Entry point of the multi-call binary: dispatches on basename(argv[0]).
int main(int argc, char** argv);

}  // namespace vs::cli
