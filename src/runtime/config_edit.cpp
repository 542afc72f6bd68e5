// A config edit of one guest: lock, prepare (validate as start does), address check, commit.
#include "runtime/config_edit.hpp"

#include <cerrno>

#include "config/vserver/addresses.hpp"
#include "net/conflicts.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"

namespace vs::runtime {

namespace cv = config::vserver;

Result<ConfigEditResult> config_edit(const config::Paths& paths, const std::string& name,
                                     const cv::Edit& edit, bool* bad_input) {
    if (bad_input) *bad_input = false;
    auto refuse = [&](Error e) {
        if (bad_input) *bad_input = true;
        return e;
    };
    if (auto v = spec::validate_name(name); !v) return refuse(std::move(v).error());
    if (auto v = edit.check(); !v) return refuse(std::move(v).error());
    if (auto v = guest_exists(paths, name); !v) return refuse(std::move(v).error());
    // No start, stop or other edit of this guest in between.
    auto lock = VS_TRY(state::GuestLock::acquire(paths.guest_run(name)));
    bool addresses = false;
    for (const auto& c : edit.changes())
        addresses = addresses || c.rel == "interfaces" || c.rel.rfind("interfaces/", 0) == 0;
    // Address edits of all guests one at a time (as ip_change), from the scan to the save.
    std::optional<state::HostLock> host;
    if (addresses) host = VS_TRY(state::HostLock::acquire(paths.run_dir, "ip"));
    bool invalid = false;
    auto prepared = cv::prepare(paths, name, edit, &invalid);
    if (!prepared) return invalid ? refuse(std::move(prepared).error()) : prepared.error();
    if (addresses) {
        auto others = VS_TRY(cv::addresses_of_other_guests(paths, name));
        VS_TRY(net::check_address_conflicts(net::ConflictScope{std::move(others), paths.run_dir},
                                            prepared->loaded.spec));
    }
    VS_TRY(cv::commit(*prepared));
    ConfigEditResult r;
    auto st = status(paths, name);
    r.running = st && st->status == state::RunStatus::Running;
    r.loaded = std::move(prepared->loaded);
    return r;
}

}  // namespace vs::runtime
