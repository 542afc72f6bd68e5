// Registry rows for the filesystem and hooks: fstab, scripts/<phase> and scripts/<phase>.d/*,
// and the pre-0.30 hostname/domainname files.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/fstab.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver::rows {

namespace {

// util-vserver's scriptlet phases, in the order a start/stop runs them.
const std::vector<std::string>& phases() {
    static const std::vector<std::string> p = {"initialize",   "prepre-start", "pre-start",
                                               "post-start",   "pre-stop",     "post-stop",
                                               "postpost-stop"};
    return p;
}

bool known_phase(const std::string& p) {
    for (const auto& x : phases())
        if (x == p) return true;
    return false;
}

std::string basename_of(const std::string& p) { return p.substr(p.rfind('/') + 1); }

/// scripts/<phase> and scripts/<phase>.d/<file>: both add a hook to the phase in parts[0].
Status parse_hook(spec::GuestSpec& s, LoadState& st, const KeyFile& f) {
    if (!known_phase(f.parts[0])) {
        st.warnings.push_back(
            fmt::format("{}: {} is not a hook phase; not run", f.path, str::quote(f.parts[0])));
        return ok();
    }
    s.scripts.by_phase[f.parts[0]].push_back(f.path);
    return ok();
}

}  // namespace

void add_filesystem(std::vector<Key>& out) {
    out.push_back(
        {"fstab", FileKind::Data, "fstab(5) lines",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.fstab = VS_TRY(parse_fstab(f.text));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (!s.fstab.empty()) text(o, "fstab", format_fstab(s.fstab));
         },
         "mounts done at start inside the guest's mount namespace, targets relative to the guest "
         "root (resolved without leaving it); build copies .defaults/fstab or proc, tmpfs /tmp "
         "size=16m,mode=1777, devpts"});

    out.push_back(
        {"scripts/*", FileKind::Program, "program", parse_hook,
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             // A script is a program, not a value: one that already lives at its place in the
             // config dir is kept; any other path becomes a link in scripts/<phase>.d/.
             for (const auto& [phase, paths] : s.scripts.by_phase) {
                 std::string own = s.config_dir + "/scripts/" + phase;
                 for (const auto& p : paths) {
                     if (p == own) o.push_back({OutFile::Type::Keep, "scripts/" + phase, ""});
                 }
             }
         },
         "hook run at its phase (initialize, prepre-start, pre-start, post-start, pre-stop, "
         "post-stop, postpost-stop) with arguments `<phase> <name>`; non-executable files are "
         "sourced by /bin/sh; runs before the files of scripts/<phase>.d"});

    out.push_back(
        {"scripts/*.d/*", FileKind::Program, "program", parse_hook,
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& [phase, paths] : s.scripts.by_phase) {
                 std::string own = s.config_dir + "/scripts/" + phase;
                 std::string dir = "scripts/" + phase + ".d/";
                 for (const auto& p : paths) {
                     if (p == own) continue;
                     if (str::starts_with(p, s.config_dir + "/" + dir) &&
                         p.find('/', s.config_dir.size() + 1 + dir.size()) == std::string::npos)
                         o.push_back({OutFile::Type::Keep, p.substr(s.config_dir.size() + 1), ""});
                     else
                         o.push_back({OutFile::Type::Symlink, dir + basename_of(p), p});
                 }
             }
         },
         "hooks of a phase run in name order after scripts/<phase>, same arguments"});

    out.push_back({"hostname", FileKind::Scalar, "hostname",
                   [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
                       // Checked as uts/nodename is: the value is saved there.
                       auto v = scalar(f.text);
                       VS_TRY(spec::validate_uts_name("hostname", v));
                       if (s.nodename.empty()) s.nodename = v;
                       st.warnings.push_back(f.path +
                                             ": deprecated, use uts/nodename (saved there)");
                       return ok();
                   },
                   write_nothing,
                   "pre-0.30 name of uts/nodename: read with a warning, saved as uts/nodename"});

    out.push_back(
        {"domainname", FileKind::Scalar, "domain name",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             auto v = scalar(f.text);
             VS_TRY(spec::validate_uts_name("domainname", v));
             if (s.domainname.empty()) s.domainname = v;
             st.warnings.push_back(f.path + ": deprecated, use uts/domainname (saved there)");
             return ok();
         },
         write_nothing,
         "pre-0.30 name of uts/domainname: read with a warning, saved as uts/domainname"});
}

}  // namespace vs::config::vserver::rows
