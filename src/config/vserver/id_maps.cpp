// id_maps_of_other_guests: every other guest's userns file, parsed by its registry row.
#include "config/vserver/id_maps.hpp"

#include <cerrno>

#include "config/vserver/read.hpp"
#include "config/vserver/registry.hpp"
#include "config/vserver/tree.hpp"

namespace vs::config::vserver {

Result<std::vector<GuestIdMap>> id_maps_of_other_guests(const Paths& paths,
                                                        const std::string& self) {
    const Key* key = find_key("userns");
    if (!key) return make_error(EINVAL, "internal: no key for userns");
    std::vector<GuestIdMap> out;
    for (const auto& g : VS_TRY(list_guests(paths).wrap("check id maps of other guests"))) {
        if (g == self) continue;
        KeyFile f{"userns", paths.guest_config(g) + "/userns", {}, {}};
        auto text = VS_TRY(read_optional(f.path, key->kind)
                               .wrap("check id maps of other guests: guest \"{}\"", g));
        if (!text) continue;  // no userns file: a classic guest
        f.text = std::move(*text);
        spec::GuestSpec s;
        LoadState st;
        st.dir = paths.guest_config(g);
        VS_TRY(key->parse(s, st, f).wrap("check id maps of other guests: guest \"{}\": {}", g,
                                         f.path));
        if (s.idmap) out.push_back({g, *s.idmap, f.path});
    }
    return out;
}

}  // namespace vs::config::vserver
