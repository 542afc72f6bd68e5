// Snapshot: processes, then guest membership, read in that order (see Membership).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "procview/clock.hpp"
#include "procview/membership.hpp"
#include "procview/scanner.hpp"

namespace vs::procview {

struct Snapshot {
    std::vector<Proc> procs;
    Membership members;
    Clock clock;

    /// The guest of a process, or nullptr for the host.
    const Guest* guest_of(const Proc& p) const {
        int i = members.guest_of(p.stat.pid);
        return i < 0 ? nullptr : &members.guests[static_cast<size_t>(i)];
    }
};

Result<Snapshot> take_snapshot(XidCache& xids, ScanOptions opt = {});

}  // namespace vs::procview
