// Registry rows for a layered root (build -m clone --layered): the base and upper dir of the
// overlay mounted at the guest's root, which every tool that reads the root must know of.
#include <cerrno>

#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"

namespace vs::config::vserver::rows {

namespace {

Result<std::string> layer_path(const KeyFile& f) {
    std::string v = scalar(f.text);
    if (!v.starts_with('/') || v.find("/../") != std::string::npos || v.ends_with("/.."))
        return make_error(EINVAL, "{}: \"{}\": an absolute path without \"..\" expected", f.path,
                          v);
    while (v.size() > 1 && v.back() == '/') v.pop_back();
    return v;
}

}  // namespace

void add_layered(std::vector<Key>& out) {
    out.push_back({"layered/lower", FileKind::Scalar, "absolute path",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       if (!s.layered) s.layered.emplace();
                       s.layered->lower = VS_TRY(layer_path(f));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.layered) line(o, "layered/lower", s.layered->lower);
                   },
                   "written by `build -m clone --layered`: the frozen base tree (under "
                   "<rootdir>/.layers/base/) that is the lower layer of the overlay mounted at "
                   "the guest's root; delete removes it with the last guest using it "
                   "(docs/unification.md, \"Layered clones\")"});
    out.push_back({"layered/upper", FileKind::Scalar, "absolute path",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       if (!s.layered) s.layered.emplace();
                       s.layered->upper = VS_TRY(layer_path(f));
                       if (!s.layered->upper.ends_with("/upper"))
                           return make_error(EINVAL, "{}: \"{}\": a directory named upper expected",
                                             f.path, s.layered->upper);
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.layered) line(o, "layered/upper", s.layered->upper);
                   },
                   "written by `build -m clone --layered`: the guest's own upper dir, which "
                   "holds all it changed (its overlay work dir is the sibling work/); with "
                   "layered/lower or not at all"});
}

}  // namespace vs::config::vserver::rows
