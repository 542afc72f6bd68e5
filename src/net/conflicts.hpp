// Address conflicts between guests and with the host, and the host-wide claims that keep two
// concurrent starts from taking one address.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "net/process_ref.hpp"
#include "spec/configured_address.hpp"
#include "spec/guest_spec.hpp"

namespace vs::net {

/// What the checks compare against: the addresses other guests are configured with (read by
/// the config layer, config::vserver::addresses_of_other_guests) and the run base holding the
/// claims of running guests (paths.run_dir).
struct ConflictScope {
    std::vector<spec::ConfiguredAddress> configured;
    std::string run_base;
    /// run_base defaults to the parent of the guest's run dir.
    static ConflictScope of(std::vector<spec::ConfiguredAddress> configured, std::string run_base,
                            const std::string& guest_run_dir) {
        if (run_base.empty() && !guest_run_dir.empty()) {
            auto slash = guest_run_dir.find_last_of('/');
            run_base = slash == std::string::npos ? "." : guest_run_dir.substr(0, slash);
        }
        return {std::move(configured), std::move(run_base)};
    }
};

/// Refuses any address of `spec` (guest spec.name) that is configured for another guest
/// (scope.configured), held by a running guest, or present on the host (except its own nodev
/// addresses and the ones it holds itself). The message names both guests. Used by build and
/// `vserver NAME ip`.
Status check_address_conflicts(const ConflictScope& scope, const spec::GuestSpec& spec);

/// The host-wide lock (flock on <run_base>/.net.lock) held around check + claim.
class ClaimLock {
public:
    static Result<ClaimLock> acquire(const std::string& run_base);

private:
    explicit ClaimLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

/// Start: under ClaimLock, checks and then records `spec`'s addresses as held by `owner`
/// (<run_base>/.net-claims/<addr>). A claim whose owner process is gone is stale and ignored.
/// Claims of `spec.name` for addresses it no longer has are dropped.
Status claim_addresses(const ConflictScope& scope, const spec::GuestSpec& spec,
                       const ProcessRef& owner);
/// Removes every claim of `guest`.
Status release_claims(const ConflictScope& scope, const std::string& guest);

}  // namespace vs::net
