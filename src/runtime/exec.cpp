// exec, suexec and enter: run something inside a running guest.
#include <unistd.h>

#include "base/strings.hpp"
#include "runtime/guest.hpp"
#include "runtime/init_command.hpp"
#include "runtime/join.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"

namespace vs::runtime {

namespace {

struct Target {
    state::GuestState state;
    JoinProfile profile;
};

// The running guest and its join profile: the one its start saved when there is one (no config
// parsing, nothing recompiled), else made from the config as start makes it.
Result<Target> running_target(const config::Paths& paths, const std::string& name,
                              const SpecLoader& load_spec) {
    VS_TRY(spec::validate_name(name));
    std::string run = paths.guest_run(name);
    if (auto st = state::load(run); st && *st && (*st)->phase == state::Phase::Running)
        if (auto p = load_join_profile(run, **st)) return Target{std::move(**st), std::move(*p)};
    auto spec = VS_TRY(load_spec());
    auto st = VS_TRY(running_state(paths, name));
    auto cg = VS_TRY(open_cgroup(paths, name));
    auto profile = VS_TRY(make_join_profile(paths, spec, *cg, st.init_pid));
    return Target{std::move(st), std::move(profile)};
}

}  // namespace

Result<int> exec(const config::Paths& paths, const std::string& name, const SpecLoader& load_spec,
                 const ExecRequest& in) {
    if (in.argv.empty()) return make_error(EINVAL, "exec: no command given");
    auto t = VS_TRY(running_target(paths, name, load_spec));
    if (t.profile.private_ctx)
        return make_error(EPERM, "guest \"{}\" has flag \"private\": it cannot be entered", name);
    JoinRequest req;
    req.argv = in.argv;
    req.tty = in.tty;
    VS_TRY(resolve_user(t.profile.root, in.user, req));
    return run_in_guest(t.profile, t.state, req);
}

Result<int> enter(const config::Paths& paths, const std::string& name,
                  const SpecLoader& load_spec) {
    auto t = VS_TRY(running_target(paths, name, load_spec));
    if (t.profile.private_ctx)
        return make_error(EPERM, "guest \"{}\" has flag \"private\": it cannot be entered", name);
    JoinRequest req;
    if (!t.profile.shell.empty()) {
        req.argv = str::split_ws(t.profile.shell);
    } else if (exists_in_guest(t.profile.root, "/bin/bash")) {
        req.argv = {"/bin/bash", "-login"};
    } else {
        req.argv = {"/bin/sh", "-l"};
    }
    req.tty = ::isatty(STDIN_FILENO) == 1;
    return run_in_guest(t.profile, t.state, req);
}

}  // namespace vs::runtime
