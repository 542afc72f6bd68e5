// cmd.stop, cmd.start-sync, cmd.stop-sync: run inside the guest, waited for, failures warned.
#include "runtime/init_sync.hpp"

#include "base/log.hpp"
#include "runtime/join.hpp"

namespace vs::runtime {

void run_guest_command(const spec::GuestSpec& spec, const state::GuestState& st,
                       cgroup::Manager& cg, const std::vector<std::string>& argv,
                       const std::string& what) {
    if (argv.empty()) return;
    JoinRequest req;
    req.argv = argv;
    auto r = run_in_guest(spec, st, cg, req);
    if (!r)
        log::warn("guest \"{}\": {}: {}", spec.name, what, r.error().what());
    else if (*r != 0)
        log::warn("guest \"{}\": {} \"{}\" exited with status {}", spec.name, what, argv[0], *r);
}

}  // namespace vs::runtime
