// `vserver NAME enter`, `exec CMD ARGS...`, `suexec USER CMD ARGS...`.
#include <unistd.h>

#include <cerrno>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"

namespace vs::cli {

namespace {

int exit_of(const Result<int>& r) {
    if (!r) {
        log::error("{}", r.error().what());
        // A command that could not be found (127) or not be executed (126), as shells report it.
        int code = r.error().code;
        if (code == ENOENT) return 127;
        if (code == EACCES || code == ENOEXEC) return 126;
        return kFail;
    }
    return *r;
}

// Runs `verb` with a spec loader that reports a bad name or config like every other verb
// (kUsage); the runtime calls it only when the running guest has no saved join profile.
template <typename Verb>
int run(GuestCommand& c, Verb verb) {
    if (auto v = spec::validate_name(c.guest); !v) {
        log::error("{}", v.error().what());
        return kUsage;
    }
    bool load_failed = false;
    runtime::SpecLoader load = [&]() -> Result<spec::GuestSpec> {
        auto s = runtime::load_guest(c.paths, c.guest);
        load_failed = !s;
        return s;
    };
    Result<int> r = verb(load);
    if (!r && load_failed) {
        log::error("{}", r.error().what());
        return kUsage;
    }
    return exit_of(r);
}

int cmd_enter(GuestCommand& c) {
    int code = kOk;
    if (!no_args(c, "enter", code)) return code;
    return run(
        c, [&](const runtime::SpecLoader& load) { return runtime::enter(c.paths, c.guest, load); });
}

// exec and suexec take no options of their own: a "--" where the command starts ends the
// options by the usual convention and is not part of the command.
void drop_end_of_options(std::vector<std::string>& args, size_t at) {
    if (args.size() > at && args[at] == "--") args.erase(args.begin() + static_cast<long>(at));
}

int cmd_exec(GuestCommand& c) {
    drop_end_of_options(c.args, 0);
    if (c.args.empty()) {
        log::error("{} exec: no command given (usage: exec CMD ARGS...)", c.guest);
        return kUsage;
    }
    runtime::ExecRequest req;
    req.argv = c.args;
    return run(c, [&](const runtime::SpecLoader& load) {
        return runtime::exec(c.paths, c.guest, load, req);
    });
}

int cmd_suexec(GuestCommand& c) {
    drop_end_of_options(c.args, 0);
    drop_end_of_options(c.args, 1);
    if (c.args.size() < 2) {
        log::error("{} suexec: need a user and a command (usage: suexec USER CMD ARGS...)",
                   c.guest);
        return kUsage;
    }
    runtime::ExecRequest req;
    req.user = c.args[0];
    req.argv.assign(c.args.begin() + 1, c.args.end());
    return run(c, [&](const runtime::SpecLoader& load) {
        return runtime::exec(c.paths, c.guest, load, req);
    });
}

RegisterGuestCommand reg_enter("enter",
                               {"run the guest's shell inside it (a pty when on a terminal)",
                                "usage: vserver NAME enter\n",
                                {}},
                               cmd_enter);
RegisterGuestCommand reg_exec("exec",
                              {"run CMD ARGS as root inside the running guest",
                               "usage: vserver NAME exec [--] CMD [ARGS...]\n",
                               {}},
                              cmd_exec);
RegisterGuestCommand reg_suexec("suexec",
                                {"run CMD ARGS as USER inside the running guest",
                                 "usage: vserver NAME suexec USER [--] CMD [ARGS...]\n",
                                 {}},
                                cmd_suexec);

}  // namespace

}  // namespace vs::cli
