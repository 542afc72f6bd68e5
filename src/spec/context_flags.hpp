// util-vserver context flags (cflags) and context capabilities (ccapabilities): each name either
// maps to a mainline mechanism (fields of GuestSpec) or is refused with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::spec {

/// How a flag or ccap is honoured.
enum class Support {
    Always,   ///< what every vserver-ng guest already gets (pid/mount ns, no setns out, ...)
    Mapped,   ///< turns on a mechanism (see `mechanism`)
    Userns,   ///< mapped, but only safe with a user namespace: refused without `userns`
    Refused,  ///< no mainline equivalent; `mechanism` says why
};

struct ContextName {
    const char* name;                  ///< canonical name
    std::vector<const char*> aliases;  ///< other accepted spellings (without vxf_/vxc_ prefix)
    Support support;
    const char* mechanism;  ///< what it maps to, or why it is refused
};

const std::vector<ContextName>& cflag_table();
const std::vector<ContextName>& ccap_table();

/// Canonical cflag / ccap name for a spelling (case-insensitive, optional vxf_/vxc_ prefix);
/// nullptr when unknown.
const ContextName* find_cflag(std::string_view name);
const ContextName* find_ccap(std::string_view name);

/// The flags every guest has unless the cflags file clears them: util-vserver's `default`
/// pseudo-flag (virt_uptime, sc_helper), which `vserver start` always applied.
std::vector<std::string> default_cflags();
/// The ccaps every guest has unless cleared: raw_icmp (util-vserver's default also has
/// set_utsname and audit_control, which mainline cannot grant safely; see the table).
std::vector<std::string> default_ccaps();

/// Applies a cflags/ccapabilities list to `names` (canonical, sorted, unique): `NAME` adds,
/// `!NAME`/`~NAME` removes, `none` clears, `default` (cflags) adds the default pseudo-flag.
/// Unknown or refused names are errors naming `what` (the file) and the value.
Result<std::vector<std::string>> apply_cflag_list(std::vector<std::string> names,
                                                  std::string_view text, std::string_view what);
Result<std::vector<std::string>> apply_ccap_list(std::vector<std::string> names,
                                                 std::string_view text, std::string_view what);

/// The list text that turns `base` into `names` ("" when equal): "prolific\n!virt_uptime\n".
std::string name_list_diff(const std::vector<std::string>& base,
                           const std::vector<std::string>& names);

/// Sets the mechanisms of spec.flags.names and spec.caps.ccaps into the spec (Flags fields,
/// ns.time, caps.ping_sockets, caps.allow_namespaces, bounding-set bits) and refuses
/// Userns-only names when spec.ns.user is off. Idempotent.
Status apply_context_mechanisms(GuestSpec& spec);

/// Capabilities that ccaps add to the bounding set (set_rlimit, oom_adjust -> SYS_RESOURCE):
/// the bcapabilities writer leaves them out so a round trip does not duplicate them.
uint64_t caps_implied_by_ccaps(const std::vector<std::string>& ccaps);

}  // namespace vs::spec
