// Address conflict checks (configs of other guests, live claims, host addresses) and claims.
#include "net/conflicts.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <sstream>

#include "base/lock_file.hpp"
#include "base/sys.hpp"
#include "net/address.hpp"
#include "net/netlink/socket.hpp"
#include "net/plan.hpp"

namespace vs::net {

namespace {

std::string claims_dir(const ConflictScope& s) { return s.run_base + "/.net-claims"; }

struct Claim {
    std::string guest;
    ProcessRef owner;
};

Result<Claim> read_claim(const std::string& path) {
    auto text = VS_TRY(sys::read_file(path));
    std::istringstream in(text);
    Claim c;
    in >> c.guest >> c.owner.pid >> c.owner.start_time;
    return c;
}

Status check_locked(const ConflictScope& scope, const spec::GuestSpec& spec) {
    auto mine = VS_TRY(owned_addresses(spec));
    if (mine.empty()) return ok();
    auto where = [&](const OwnedAddr& o) {
        return fmt::format("address {} of guest \"{}\" (interfaces/{})", o.addr.to_string(),
                           spec.name, o.id);
    };
    // 1. configured for another guest
    for (const auto& o : mine)
        for (const auto& c : scope.configured)
            if (c.guest != spec.name && c.addr.family == o.addr.family &&
                c.addr.bytes == o.addr.bytes)
                return make_error(EADDRINUSE,
                                  "{} is already configured for guest \"{}\" "
                                  "(interfaces/{})",
                                  where(o), c.guest, c.id);
    // 2. held by a running guest
    std::vector<IpAddress> held_by_self;
    for (const auto& o : mine) {
        std::string p = claims_dir(scope) + "/" + o.addr.to_string();
        if (!sys::exists(p)) continue;
        auto c = read_claim(p);
        if (!c || !c->owner.alive()) continue;  // stale: its owner is gone
        if (c->guest == spec.name) {
            held_by_self.push_back(o.addr);
            continue;
        }
        return make_error(EADDRINUSE, "{} is held by running guest \"{}\"", where(o), c->guest);
    }
    // 3. present on the host
    auto sock = VS_TRY(netlink::Socket::open());
    auto addrs = VS_TRY(sock.addrs(AF_UNSPEC));
    auto links = VS_TRY(sock.links());
    for (const auto& o : mine) {
        if (o.nodev) continue;  // nodev: the address is expected to exist already
        bool self = false;
        for (const auto& h : held_by_self) self = self || h == o.addr;
        if (self) continue;
        for (const auto& a : addrs) {
            if (!(a.addr.addr == o.addr)) continue;
            std::string dev = std::to_string(a.index);
            for (const auto& l : links)
                if (l.index == a.index) dev = l.name;
            return make_error(EADDRINUSE, "{} is present on the host (device {})", where(o), dev);
        }
    }
    return ok();
}

}  // namespace

Status check_address_conflicts(const ConflictScope& scope, const spec::GuestSpec& spec) {
    return check_locked(scope, spec);
}

Result<ClaimLock> ClaimLock::acquire(const std::string& run_base) {
    VS_TRY(sys::mkdir_p(run_base, 0755));
    return ClaimLock(VS_TRY(sys::open_locked(run_base + "/.net.lock")));
}

Status claim_addresses(const ConflictScope& scope, const spec::GuestSpec& spec,
                       const ProcessRef& owner) {
    auto lock = VS_TRY(ClaimLock::acquire(scope.run_base));
    VS_TRY(check_locked(scope, spec));
    auto mine = VS_TRY(owned_addresses(spec));
    std::string dir = claims_dir(scope);
    VS_TRY(sys::mkdir_p(dir, 0755));
    std::string content = fmt::format("{} {} {}\n", spec.name, owner.pid, owner.start_time);
    for (const auto& o : mine)
        VS_TRY(sys::write_file_replace(dir + "/" + o.addr.to_string(), content, 0644));
    // Drop this guest's claims on addresses it no longer has (live re-addressing).
    auto names = VS_TRY(sys::list_dir(dir));
    for (const auto& n : names) {
        auto c = read_claim(dir + "/" + n);
        if (!c || c->guest != spec.name) continue;
        bool keep = false;
        for (const auto& o : mine) keep = keep || o.addr.to_string() == n;
        if (!keep) VS_TRY(sys::remove_if_exists(dir + "/" + n));
    }
    return ok();
}

Status release_claims(const ConflictScope& scope, const std::string& guest) {
    if (scope.run_base.empty()) return ok();
    std::string dir = claims_dir(scope);
    if (!sys::is_dir(dir)) return ok();
    auto lock = VS_TRY(ClaimLock::acquire(scope.run_base));
    for (const auto& n : VS_TRY(sys::list_dir(dir))) {
        auto c = read_claim(dir + "/" + n);
        if (c && c->guest == guest) VS_TRY(sys::remove_if_exists(dir + "/" + n));
    }
    return ok();
}

}  // namespace vs::net
