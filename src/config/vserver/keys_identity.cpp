// Registry rows for identity and paths: name, context, uts/*, the vdir/cache/run links, shell,
// nice, badness.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver::rows {

namespace {

// A relative link target is relative to the directory holding the link (symlink(7)).
std::string resolve_link(const LoadState& st, const std::string& target) {
    if (!target.empty() && target.front() == '/') return target;
    return st.dir + "/" + target;
}

Status parse_uts(std::string& field, const KeyFile& f, std::string_view what) {
    auto v = scalar(f.text);
    VS_TRY(spec::validate_uts_name(what, v));
    field = v;
    return ok();
}

}  // namespace

void add_identity(std::vector<Key>& out) {
    out.push_back(
        {"name", FileKind::Scalar, "guest name",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             auto v = scalar(f.text);
             VS_TRY(spec::validate_name(v));
             // util-vserver lets `name` differ from the directory; every path we derive (run
             // dir, cgroup, vdir) comes from the directory name, so that stays the identity and
             // the user is told.
             if (v != s.name)
                 st.warnings.push_back(
                     fmt::format("{}: name {} differs from the directory; the guest is called {}",
                                 f.path, str::quote(v), str::quote(s.name)));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) { line(o, "name", s.name); },
         "the guest's name; the directory name is authoritative (a different value is warned "
         "about)"});

    out.push_back(
        {"context", FileKind::Scalar, "uint 2..49151",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.context = static_cast<uint32_t>(VS_TRY(parse_int(f.text, 2, 49151, "context")));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.context) line(o, "context", std::to_string(*s.context));
         },
         "static context id (xid): shown by vps/vserver-stat, names the cgroup's id and the "
         "disk-quota project id"});

    out.push_back({"uts/nodename", FileKind::Scalar, "hostname, <= 64 bytes",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) {
                       return parse_uts(s.nodename, f, "uts/nodename");
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (!s.nodename.empty()) line(o, "uts/nodename", s.nodename);
                   },
                   "hostname set in the guest's UTS namespace (sethostname(2))"});

    out.push_back({"uts/domainname", FileKind::Scalar, "NIS domain name, <= 64 bytes",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) {
                       return parse_uts(s.domainname, f, "uts/domainname");
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (!s.domainname.empty()) line(o, "uts/domainname", s.domainname);
                   },
                   "NIS domain name set in the guest's UTS namespace (setdomainname(2))"});

    out.push_back({"vdir", FileKind::Link, "link to a directory",
                   [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
                       if (f.text.empty()) return make_error(EINVAL, "empty link target");
                       s.root = resolve_link(st, f.text);
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (!s.root.empty()) o.push_back({OutFile::Type::Symlink, "vdir", s.root});
                   },
                   "the guest root; default <vdirbase>/NAME (/var/lib/vservers/NAME)"});

    out.push_back({"cache", FileKind::Link, "link to a directory",
                   [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
                       if (f.text.empty()) return make_error(EINVAL, "empty link target");
                       s.cache_dir = resolve_link(st, f.text);
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (!s.cache_dir.empty())
                           o.push_back({OutFile::Type::Symlink, "cache", s.cache_dir});
                   },
                   "the guest's cache dir (disk-limit usage between runs); default "
                   "/var/cache/vservers/NAME"});

    out.push_back({"run", FileKind::Link, "link (may dangle)",
                   [](spec::GuestSpec&, LoadState&, const KeyFile&) -> Status { return ok(); },
                   write_nothing,
                   "accepted for compatibility and left alone: vserver-ng keeps run state in "
                   "/run/vservers/NAME (flock + state file), not behind this link"});

    out.push_back(
        {"shell", FileKind::Scalar, "absolute path",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             auto v = scalar(f.text);
             if (v.empty() || v.front() != '/')
                 return make_error(EINVAL, "invalid shell {}: not an absolute path", str::quote(v));
             s.shell = v;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (!s.shell.empty()) line(o, "shell", s.shell);
         },
         "shell run by `vserver NAME enter`; default .defaults/shell, else bash -l, else sh -l"});

    out.push_back(
        {"nice", FileKind::Scalar, "int -20..19",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.nice = static_cast<int>(VS_TRY(parse_int(f.text, -20, 19, "nice")));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.nice) line(o, "nice", std::to_string(*s.nice));
         },
         "nice level of the guest's init, inherited by every guest process (setpriority(2))"});

    out.push_back(
        {"badness", FileKind::Scalar, "int -1000..1000",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.oom_score_adj = static_cast<int>(VS_TRY(parse_int(f.text, -1000, 1000, "badness")));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.oom_score_adj) line(o, "badness", std::to_string(*s.oom_score_adj));
         },
         "OOM-killer bias: written to the guest init's /proc/PID/oom_score_adj, inherited"});
}

}  // namespace vs::config::vserver::rows
