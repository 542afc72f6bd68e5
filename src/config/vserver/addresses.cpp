// addresses_of_other_guests: interfaces/<id>/{ip,disabled} of every other guest, parsed by
// their registry rows.
#include "config/vserver/addresses.hpp"

#include <cerrno>

#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/registry.hpp"
#include "config/vserver/tree.hpp"
#include "config/vserver/writer.hpp"

namespace vs::config::vserver {

namespace {

// Runs the registry row of `rel` (relative to `dir`) over the file's content into `s`.
Status parse_file(const std::string& dir, const std::string& rel, spec::GuestSpec& s,
                  LoadState& st) {
    KeyFile f{rel, dir + "/" + rel, {}, {}};
    const Key* key = find_key(rel, &f.parts);
    if (!key) return make_error(EINVAL, "internal: no key for {}", rel);
    f.text = VS_TRY(read_config_file(f.path, key->kind));
    return key->parse(s, st, f).wrap("{}", f.path);
}

// The enabled addresses of the guest whose config dir is `dir`.
Status addresses_of(const std::string& guest, const std::string& dir,
                    std::vector<spec::ConfiguredAddress>& out) {
    std::string ifdir = dir + "/interfaces";
    auto ids = sys::list_entries(ifdir);
    if (!ids) {
        if (ids.error().code == ENOENT) return ok();  // no interfaces: no address
        return std::move(ids).error();
    }
    spec::GuestSpec s;
    s.name = guest;
    LoadState st;
    st.dir = dir;
    for (const auto& id : *ids) {
        // The loader walks real directories only (it refuses a symlinked one),
        // so an address behind a link is never one the guest gets at start either.
        if (id.type != sys::EntryType::Dir || is_in_flight_name(id.name)) continue;
        std::string rel = "interfaces/" + id.name;
        auto files = VS_TRY(sys::list_entries(dir + "/" + rel));
        for (const auto& f : files) {
            if (f.name != "ip" && f.name != "disabled") continue;
            if (f.type == sys::EntryType::Dir || f.type == sys::EntryType::Other)
                return make_error(EINVAL, "{}/{}/{}: not a regular file", dir, rel, f.name);
            VS_TRY(parse_file(dir, rel + "/" + f.name, s, st));
        }
    }
    for (const auto& i : s.interfaces) {
        if (i.disabled || i.ip.empty()) continue;
        auto a = VS_TRY(spec::parse_ip(i.ip).wrap("{}/interfaces/{}/ip", dir, i.id));
        out.push_back({guest, i.id, a});
    }
    return ok();
}

}  // namespace

Result<std::vector<spec::ConfiguredAddress>> addresses_of_other_guests(const Paths& paths,
                                                                       const std::string& self) {
    std::vector<spec::ConfiguredAddress> out;
    for (const auto& g : VS_TRY(list_guests(paths).wrap("check addresses of other guests"))) {
        if (g == self) continue;
        VS_TRY(addresses_of(g, paths.guest_config(g), out)
                   .wrap("check addresses of other guests: guest \"{}\"", g));
    }
    return out;
}

}  // namespace vs::config::vserver
