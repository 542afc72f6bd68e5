// fstab option parsing.
#include "mount/options.hpp"

#include <map>

#include "base/strings.hpp"

namespace vs::mount {

Result<Options> parse_options(const std::string& text) {
    static const std::map<std::string, std::pair<uint64_t, bool>> kAttrs = {
        // word -> {attr, set(true) or clear(false)}
        {"ro", {kRdonly, true}},
        {"rw", {kRdonly, false}},
        {"nosuid", {kNosuid, true}},
        {"suid", {kNosuid, false}},
        {"nodev", {kNodev, true}},
        {"dev", {kNodev, false}},
        {"noexec", {kNoexec, true}},
        {"exec", {kNoexec, false}},
        {"noatime", {kNoatime, true}},
        {"strictatime", {kStrictatime, true}},
        {"nodiratime", {kNodiratime, true}},
        {"relatime", {0, true}},
    };
    Options o;
    if (str::trim(text).empty()) return o;
    for (auto& raw : str::split(text, ',', false)) {
        std::string w(str::trim(raw));
        if (w.empty()) return make_error(EINVAL, "mount options \"{}\": empty item", text);
        if (w == "defaults" || w == "auto" || w == "nouser" || w == "user" || w == "users" ||
            w == "nofail" || w == "_netdev" || str::starts_with(w, "x-") ||
            str::starts_with(w, "X-"))
            continue;  // fstab(5) words for mount(8), not for the kernel
        if (w == "noauto") {
            o.noauto = true;
            continue;
        }
        if (w == "bind" || w == "rbind") {
            o.bind = true;
            o.recursive = o.recursive || w == "rbind";
            continue;
        }
        if (auto it = kAttrs.find(w); it != kAttrs.end()) {
            auto [bit, set] = it->second;
            if (set)
                o.attrs |= bit;
            else
                o.attrs &= ~bit;
            continue;
        }
        auto eq = w.find('=');
        if (eq == 0) return make_error(EINVAL, "mount options \"{}\": \"{}\" has no name", text, w);
        if (eq == std::string::npos)
            o.params.emplace_back(w, "");
        else
            o.params.emplace_back(w.substr(0, eq), w.substr(eq + 1));
    }
    return o;
}

}  // namespace vs::mount
