// exec, suexec and enter: run something inside a running guest.
#include <unistd.h>

#include "base/strings.hpp"
#include "runtime/guest.hpp"
#include "runtime/init_command.hpp"
#include "runtime/join.hpp"
#include "runtime/runtime.hpp"

namespace vs::runtime {

Result<int> exec(const config::Paths& paths, const spec::GuestSpec& spec, const ExecRequest& in) {
    if (in.argv.empty()) return make_error(EINVAL, "exec: no command given");
    if (spec.flags.private_ctx)
        return make_error(EPERM, "guest \"{}\" has flag \"private\": it cannot be entered", spec.name);
    auto st = VS_TRY(running_state(paths, spec.name));
    auto cg = VS_TRY(open_cgroup(paths, spec.name));
    JoinRequest req;
    req.argv = in.argv;
    req.tty = in.tty;
    VS_TRY(resolve_user(spec, in.user, req));
    return run_in_guest(spec, st, *cg, req);
}

Result<int> enter(const config::Paths& paths, const spec::GuestSpec& spec) {
    ExecRequest req;
    if (!spec.shell.empty()) {
        req.argv = str::split_ws(spec.shell);
    } else if (exists_in_guest(spec.root, "/bin/bash")) {
        req.argv = {"/bin/bash", "-login"};
    } else {
        req.argv = {"/bin/sh", "-l"};
    }
    req.tty = ::isatty(STDIN_FILENO) == 1;
    return exec(paths, spec, req);
}

}  // namespace vs::runtime
