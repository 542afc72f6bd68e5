// Context and root claims of running guests.
#include "runtime/identity.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"
#include "proc/proc_info.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"

namespace vs::runtime {

namespace {

std::string claims_dir(const config::Paths& paths) { return paths.run_dir + "/.claims"; }

std::optional<std::string> root_key(const std::string& root) {
    struct stat st {};
    if (::stat(root.c_str(), &st) < 0) return std::nullopt;
    return fmt::format("root-{}-{}", static_cast<uint64_t>(st.st_dev),
                       static_cast<uint64_t>(st.st_ino));
}

/// True when guest `other` is live (a start or stop of it holds its lock, or its init is the
/// process its state names) and its state still carries the identity `key` (it may have been
/// restarted with another context since it wrote the claim).
bool live_holder(const config::Paths& paths, const std::string& other, const std::string& key) {
    if (!spec::validate_name(other)) return false;
    std::string run = paths.guest_run(other);
    auto st = state::load(run);
    if (!st || !*st) return false;
    const state::GuestState& s = **st;
    bool same = str::starts_with(key, "context-") ? "context-" + std::to_string(s.context) == key
                                                  : root_key(s.root) == key;
    if (!same) return false;
    if (state::GuestLock::held_by_other(run)) return true;
    return s.init_pid > 0 && proc::is_alive(s.init_pid, s.init_start_time);
}

}  // namespace

Status claim_identity(const config::Paths& paths, const spec::GuestSpec& spec,
                      const std::function<Status()>& save_state) {
    std::vector<std::pair<std::string, std::string>> keys;  // claim file, what it is
    if (spec.context && *spec.context != 0)
        keys.push_back(
            {fmt::format("context-{}", *spec.context), fmt::format("context {}", *spec.context)});
    if (auto k = root_key(spec.root)) keys.push_back({*k, fmt::format("root \"{}\"", spec.root)});

    std::string dir = claims_dir(paths);
    auto lock = VS_TRY(state::GuestLock::acquire(dir).wrap("lock the guest claims"));
    for (const auto& [key, what] : keys) {
        auto holder = sys::read_file(dir + "/" + key);
        if (!holder) continue;
        std::string other(str::trim(*holder));
        if (other == spec.name || !live_holder(paths, other, key)) continue;
        return make_error(EBUSY, "guest \"{}\": its {} is in use by running guest \"{}\"",
                          spec.name, what, other);
    }
    VS_TRY(save_state());
    for (const auto& [key, what] : keys)
        VS_TRY(sys::write_file_replace(dir + "/" + key, spec.name + "\n", 0600)
                   .wrap("claim the {} of guest \"{}\"", what, spec.name));
    return ok();
}

void release_identity(const config::Paths& paths, const std::string& name) {
    std::string dir = claims_dir(paths);
    auto entries = sys::list_entries(dir);
    if (!entries) return;
    for (const auto& e : *entries) {
        if (e.name == "lock") continue;
        std::string f = dir + "/" + e.name;
        if (auto holder = sys::read_file(f); holder && str::trim(*holder) == name)
            ::unlink(f.c_str());
    }
}

}  // namespace vs::runtime
