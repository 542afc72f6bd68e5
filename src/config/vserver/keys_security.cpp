// Registry rows for security: bcapabilities, ccapabilities, cflags/flags, namespace,
// nonamespace, userns, nonewprivs, seccomp, personality.
#include <cctype>
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/personality.hpp"
#include "config/vserver/values.hpp"
#include "spec/capabilities.hpp"
#include "spec/context_flags.hpp"

namespace vs::config::vserver::rows {

void add_security(std::vector<Key>& out) {
    out.push_back(
        {"bcapabilities", FileKind::List, "capability list",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.caps.bounding =
                 VS_TRY(spec::apply_cap_list(spec::default_bounding_set(), f.text, ""));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             // Bits that ccapabilities imply are written there, not here (no duplicate on reload).
             uint64_t own = s.caps.bounding & ~spec::caps_implied_by_ccaps(s.caps.ccaps);
             auto diff = spec::cap_list_diff(spec::default_bounding_set(), own);
             if (!diff.empty()) text(o, "bcapabilities", diff);
         },
         "capabilities added to (NAME) or removed from (!NAME, ~NAME) the bounding set, whose "
         "default is util-vserver's secure set CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID "
         "KILL SETGID SETUID NET_BIND_SERVICE SYS_CHROOT SYS_PTRACE SYS_TTY_CONFIG LEASE SETFCAP "
         "AUDIT_WRITE plus SYS_BOOT (reboot(2) in a pid namespace only ends the guest); names "
         "case-insensitive with or without CAP_, also all, none, a number or ^N"});

    out.push_back(
        {"ccapabilities", FileKind::List, "context capability list",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.caps.ccaps = VS_TRY(spec::apply_ccap_list(s.caps.ccaps, f.text, ""));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             auto diff = spec::name_list_diff(spec::default_ccaps(), s.caps.ccaps);
             if (!diff.empty()) text(o, "ccapabilities", diff);
         },
         "context capabilities added (NAME) or removed (!NAME) from the default raw_icmp; each "
         "maps to a mechanism or is refused (table in docs/config-vserver.md, "
         "spec/context_flags.cpp)"});

    out.push_back(
        {"cflags", FileKind::List, "context flag list",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.flags.names = VS_TRY(spec::apply_cflag_list(s.flags.names, f.text, ""));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             auto diff = spec::name_list_diff(spec::default_cflags(), s.flags.names);
             if (!diff.empty()) text(o, "cflags", diff);
         },
         "context flags added (NAME) or removed (!NAME) from the default (virt_uptime, "
         "sc_helper); each maps to a mechanism or is refused (table in docs/config-vserver.md)"});

    out.push_back({"flags", FileKind::List, "context flag list",
                   [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
                       s.flags.names = VS_TRY(spec::apply_cflag_list(s.flags.names, f.text, ""));
                       st.warnings.push_back(
                           f.path + ": deprecated name, read like cflags (saved as cflags)");
                       return ok();
                   },
                   write_nothing,
                   "the old name of cflags: read the same way, written back as cflags"});

    out.push_back(
        {"namespace", FileKind::Bool, "bool (exists)",
         [](spec::GuestSpec&, LoadState&, const KeyFile&) -> Status { return ok(); }, write_nothing,
         "force a private mount namespace: always the case in vserver-ng (pivot_root needs one)"});

    out.push_back(
        {"nonamespace", FileKind::Bool, "bool (exists)",
         [](spec::GuestSpec&, LoadState&, const KeyFile&) -> Status {
             return make_error(EINVAL,
                               "nonamespace is not supported: every guest needs its own "
                               "mount namespace to pivot_root into its root");
         },
         write_nothing,
         "refused: without a mount namespace the guest could not be isolated from host mounts"});

    out.push_back(
        {"userns", FileKind::Scalar, "empty|yes|no|BASE COUNT",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             auto v = scalar(f.text);
             auto words = str::split_ws(v);
             if (words.size() == 2) {
                 auto base = str::parse_u64(words[0]), count = str::parse_u64(words[1]);
                 if (!base || !count || *base > UINT32_MAX || *count == 0 || *count > UINT32_MAX)
                     return make_error(EINVAL, "invalid id map {} (HOSTBASE COUNT)", str::quote(v));
                 s.ns.user = true;
                 s.idmap = spec::IdMap{static_cast<uint32_t>(*base), static_cast<uint32_t>(*count)};
                 return ok();
             }
             s.ns.user = VS_TRY(parse_bool(v));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (!s.ns.user) return;
             if (s.idmap)
                 line(o, "userns", fmt::format("{} {}", s.idmap->host_base, s.idmap->count));
             else
                 flag_file(o, "userns");
         },
         "vserver-ng extension: run the guest in a user namespace; empty file = yes with an id "
         "range chosen by the runtime (context * 65536, 65536 ids), `HOSTBASE COUNT` = guest id 0 "
         "maps to host id HOSTBASE; the root is idmapped, so files stored with ids 0..COUNT-1 are "
         "the guest's own and the tree stays usable without userns"});

    out.push_back({"nonewprivs", FileKind::Bool, "bool (exists)",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       s.no_new_privs = VS_TRY(parse_bool(f.text));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.no_new_privs) flag_file(o, "nonewprivs");
                   },
                   "vserver-ng extension: set no_new_privs on the guest init (setuid binaries stop "
                   "working)"});

    out.push_back({"seccomp", FileKind::Scalar, "profile name",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       auto v = VS_TRY(required_scalar(f.text, "a seccomp profile name"));
                       for (char c : v)
                           if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
                               return make_error(EINVAL, "invalid seccomp profile name {}",
                                                 str::quote(v));
                       s.seccomp_profile = v;
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.seccomp_profile != "default") line(o, "seccomp", s.seccomp_profile);
                   },
                   "vserver-ng extension: seccomp profile of the guest (default, unconfined)"});

    out.push_back(
        {"personality", FileKind::List, "persona, then flags",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.personality = VS_TRY(parse_personality(f.text));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.personality) text(o, "personality", format_personality(*s.personality));
         },
         "personality(2) of the guest init: LINUX or LINUX32 (also LINUX_32BIT, LINUX32_3GB), "
         "then flags (UNAME26, ADDR_NO_RANDOMIZE, ...); other personas and MMAP_PAGE_ZERO "
         "refused"});
}

}  // namespace vs::config::vserver::rows
