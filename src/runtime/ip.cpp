// `vserver NAME ip ...`: a guest's addresses changed live and saved through the config writer,
// each undone when the other fails; and the cross-guest address check of build.
#include <cerrno>
#include <cstdlib>

#include "config/legacy/legacy_file.hpp"
#include "base/log.hpp"
#include "base/sys.hpp"
#include "config/vserver/addresses.hpp"
#include "config/vserver/tree.hpp"
#include "config/vserver/writer.hpp"
#include "net/address.hpp"
#include "net/conflicts.hpp"
#include "net/guest_network.hpp"
#include "net/live_view.hpp"
#include "runtime/runtime.hpp"
#include "spec/ip_address.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"

namespace vs::runtime {

namespace cv = config::vserver;

namespace {

// The interface named by its id, else by its address; -1 when none.
int find_iface(const spec::GuestSpec& s, const std::string& what) {
    for (size_t k = 0; k < s.interfaces.size(); ++k)
        if (s.interfaces[k].id == what) return int(k);
    auto want = spec::parse_ip(what.substr(0, what.find('/')));
    if (!want) return -1;
    for (size_t k = 0; k < s.interfaces.size(); ++k)
        if (auto have = spec::parse_ip(s.interfaces[k].ip); have && *have == *want) return int(k);
    return -1;
}

std::string next_id(const spec::GuestSpec& s) {
    long max = -1;
    for (const auto& i : s.interfaces) {
        char* end = nullptr;
        long v = std::strtol(i.id.c_str(), &end, 10);
        if (!i.id.empty() && *end == 0 && v > max) max = v;
    }
    return std::to_string(max + 1);
}

Result<int> find_or_refuse(const spec::GuestSpec& s, const std::string& what, const char* verb) {
    int k = find_iface(s, what);
    if (k < 0)
        return make_error(EINVAL, "ip {}: guest \"{}\" has no address or id \"{}\"", verb, s.name,
                          what);
    return k;
}

// The config edit a request makes on the guest's current config `old`.
Result<cv::Edit> edit_for(const spec::GuestSpec& old, const IpRequest& req) {
    cv::Edit e;
    switch (req.op) {
        case IpRequest::Op::Add: {
            auto c = VS_TRY(spec::parse_cidr(req.address).wrap("ip add"));
            spec::Interface i = req.iface;
            i.ip = c.ip.str();
            i.prefix = c.prefix;
            // "One more address for this guest": the same link as its first interface.
            if (i.dev.empty() && i.name.empty() && i.mode.empty() && old.default_dev.empty()) {
                for (const auto& o : old.interfaces) {
                    if (o.disabled) continue;
                    i.dev = o.dev;
                    i.mode = o.mode;
                    i.name = o.name;
                    break;
                }
            }
            if (i.id.empty()) i.id = next_id(old);
            for (const auto& o : old.interfaces)
                if (o.id == i.id)
                    return make_error(EINVAL,
                                      "ip add: interfaces/{} of guest \"{}\" exists already", i.id,
                                      old.name);
            e.set_interface(i);
            break;
        }
        case IpRequest::Op::Del: {
            int k = VS_TRY(find_or_refuse(old, req.target, "del"));
            e.remove_dir("interfaces/" + old.interfaces[size_t(k)].id);
            break;
        }
        case IpRequest::Op::Change: {
            int k = VS_TRY(find_or_refuse(old, req.target, "change"));
            const std::string dir = "interfaces/" + old.interfaces[size_t(k)].id + "/";
            auto c = VS_TRY(spec::parse_cidr(req.address).wrap("ip change"));
            e.set(dir + "ip", c.ip.str());
            if (c.prefix >= 0) {
                e.set(dir + "prefix", std::to_string(c.prefix));
                e.unset(dir + "mask");  // both may exist only if they agree
            }
            break;
        }
    }
    VS_TRY(e.check());
    return e;
}

net::SetupContext net_context(const config::Paths& paths, const std::string& name,
                              std::vector<spec::ConfiguredAddress> others) {
    net::SetupContext n;
    n.run_dir = paths.guest_run(name);
    n.run_base = paths.run_dir;
    n.configured_elsewhere = std::move(others);
    return n;
}

}  // namespace

Status check_addresses(const config::Paths& paths, const spec::GuestSpec& spec) {
    if (spec.interfaces.empty()) return ok();
    auto others = VS_TRY(cv::addresses_of_other_guests(paths, spec.name));
    return net::check_address_conflicts(net::ConflictScope{std::move(others), paths.run_dir}, spec);
}

Status ip_change(const config::Paths& paths, const std::string& name, const IpRequest& req,
                 bool* bad_input) {
    if (bad_input) *bad_input = false;
    // The request, or the config it would make, is refused: the caller's input is at fault.
    auto refuse = [&](Error e) {
        if (bad_input) *bad_input = true;
        return e;
    };
    if (auto v = spec::validate_name(name); !v) return refuse(std::move(v).error());
    const std::string dir = paths.guest_config(name);
    if (!sys::is_dir(dir)) return refuse(config::legacy::missing_guest(paths, name));
    // One change at a time per guest, and never in the middle of its start or stop.
    auto lock = VS_TRY(state::GuestLock::acquire(paths.guest_run(name)));
    auto loaded = cv::load(paths, name);
    if (!loaded) return refuse(std::move(loaded).error());
    const auto& old = loaded->spec;
    auto edit = edit_for(old, req);
    if (!edit) return refuse(std::move(edit).error());
    // Address changes of all guests one at a time, from the scan of the others' configs to the
    // save: two guests never both get one address by concurrent edits.
    auto edits = VS_TRY(state::HostLock::acquire(paths.run_dir, "ip"));
    bool invalid = false;
    auto prepared = cv::prepare(paths, name, *edit, &invalid);
    if (!prepared) return invalid ? refuse(std::move(prepared).error()) : prepared.error();
    const auto& now = prepared->loaded.spec;
    auto others = VS_TRY(cv::addresses_of_other_guests(paths, name));
    VS_TRY(net::check_address_conflicts(net::ConflictScope{others, paths.run_dir}, now));
    auto ctx = net_context(paths, name, std::move(others));
    const bool live = net::is_live(ctx.run_dir);
    if (live) VS_TRY(net::apply_live(old, now, ctx));
    if (auto r = cv::commit(*prepared); !r) {
        if (live)
            if (auto u = net::apply_live(now, old, ctx); !u)
                log::error("ip: undo the live change of guest \"{}\": {}", name, u.error().what());
        return std::move(r).error().wrap(
            fmt::format("ip: guest \"{}\"{}", name, live ? " (live change undone)" : ""));
    }
    return ok();
}

Result<IpListing> ip_list(const config::Paths& paths, const std::string& name, bool* bad_input) {
    IpListing l;
    auto spec = load_guest(paths, name);
    if (bad_input) *bad_input = !spec;
    l.spec = VS_TRY(std::move(spec));
    std::string run = paths.guest_run(name);
    l.running = net::is_live(run);
    std::vector<net::IpAddress> present;
    if (l.running) present = VS_TRY(net::live_addresses(run));
    for (const auto& i : l.spec.interfaces) {
        auto a = net::parse_ip(i.ip);
        bool up = false;
        if (a)
            for (const auto& p : present) up = up || p == *a;
        l.live.push_back(up);
    }
    return l;
}

}  // namespace vs::runtime
