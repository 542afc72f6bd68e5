// Registry rows for security: bcapabilities.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"
#include "spec/capabilities.hpp"

namespace vs::config::vserver::rows {

void add_security(std::vector<Key>& out) {
    out.push_back({"bcapabilities", FileKind::List, "capability list",
        [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
            s.caps.bounding = VS_TRY(spec::apply_cap_list(spec::default_bounding_set(), f.text,
                                                          "bcapabilities"));
            return ok();
        },
        [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
            auto diff = spec::cap_list_diff(spec::default_bounding_set(), s.caps.bounding);
            if (!diff.empty()) text(o, "bcapabilities", diff);
        },
        "capabilities added to (NAME) or removed from (!NAME) the default bounding set: CHOWN "
        "DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID NET_BIND_SERVICE "
        "SYS_CHROOT SYS_PTRACE SYS_TTY_CONFIG LEASE SETFCAP AUDIT_WRITE SYS_BOOT; names "
        "case-insensitive with or without CAP_, also all/none and ^N"});
}

}  // namespace vs::config::vserver::rows
