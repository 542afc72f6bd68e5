// Hook execution.
#include "runtime/hooks.hpp"

#include <unistd.h>

#include "base/exec.hpp"
#include "base/log.hpp"

namespace vs::runtime {

Status run_hooks(const spec::GuestSpec& spec, const std::string& phase) {
    auto it = spec.scripts.by_phase.find(phase);
    if (it == spec.scripts.by_phase.end()) return ok();
    exec::Options opt;
    opt.cwd = (phase == "initialize" || phase == "prepre-start") ? spec.config_dir : spec.root;
    opt.env_add = {"VSERVER_NAME=" + spec.name, "VSERVER_DIR=" + spec.config_dir,
                   "VSERVER_ROOT=" + spec.root};
    opt.timeout_s = spec.init.timeout_s;
    for (const auto& script : it->second) {
        std::vector<std::string> argv;
        if (::access(script.c_str(), X_OK) == 0)
            argv = {script, phase, spec.name};
        else
            argv = {"/bin/sh", script, phase, spec.name};
        log::debug("hook {}: {}", phase, script);
        auto r = exec::run(argv, opt);
        if (!r) return std::move(r).error().wrap(fmt::format("{} script \"{}\"", phase, script));
        if (r->timed_out)
            return make_error(ETIMEDOUT,
                              "{} script \"{}\" did not finish within {} s (apps/init/timeout) and "
                              "was killed",
                              phase, script, spec.init.timeout_s);
        if (r->status != 0)
            return make_error(0, "{} script \"{}\" failed with exit status {}", phase, script,
                              r->status);
    }
    return ok();
}

}  // namespace vs::runtime
