// Registry rows for apps/vunify/: the exclude list and the refserver.* links of vhashify/vunify.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver::rows {

void add_unify(std::vector<Key>& out) {
    out.push_back({"apps/vunify/exclude", FileKind::List, "[+|-|~]absolute guest path (glob)",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       // Kept verbatim: unify/ parses it when a tool runs and names the file
                       // and line of a bad pattern; start and stop do not use it, so a bad
                       // line never keeps a guest from starting.
                       s.unify.exclude = f.text;
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (!s.unify.exclude.empty())
                           text(o, "apps/vunify/exclude", s.unify.exclude);
                   },
                   "paths vhashify/vunify/hashify never share in this guest (`-`/`~` or none: "
                   "exclude, `+`: include again; first match wins), read before "
                   ".defaults/apps/vunify/exclude and the shipped list; kept verbatim, its "
                   "patterns are checked (file and line) when a tool reads it, never at start "
                   "(docs/unification.md)"});

    out.push_back(
        {"apps/vunify/refserver.*", FileKind::Link, "link to another guest's config dir",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             // A real directory is handed over as its own path (tree.cpp): it names
             // no guest.
             if (f.text.empty() || f.text == f.path)
                 return make_error(EINVAL,
                                   "expected a symlink to a guest's config dir "
                                   "(/etc/vservers/REF)");
             std::string t = f.text;
             while (t.size() > 1 && t.back() == '/') t.pop_back();
             std::string ref = t.substr(t.rfind('/') + 1);
             VS_TRY(spec::validate_name(ref).wrap("link target {}", str::quote(f.text)));
             s.unify.refservers[f.parts.at(0)] = f.text;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& [x, target] : s.unify.refservers)
                 o.push_back({OutFile::Type::Symlink, "apps/vunify/refserver." + x, target});
         },
         "util-vserver's reference guests of `vunify GUEST` without --ref: the guest "
         "each link points to (its last path component), in name order; a real "
         "directory is refused"});
}

}  // namespace vs::config::vserver::rows
