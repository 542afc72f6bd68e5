// One consistent-enough view of the host's processes and their guests.
#include "procview/snapshot.hpp"

namespace vs::procview {

Result<Snapshot> take_snapshot(XidCache& xids, ScanOptions opt) {
    Snapshot s;
    s.clock = Clock::now();
    auto scanner = VS_TRY(Scanner::open(std::move(opt)));
    s.procs = scanner.scan();
    // After the scan, on purpose: see Membership.
    s.members = VS_TRY(snapshot_membership(xids));
    return s;
}

}  // namespace vs::procview
