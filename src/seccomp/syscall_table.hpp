// seccomp: how the "default" profile treats every syscall name of the x86_64, i386 and x32 ABIs.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace vs::seccomp {

/// What the default profile does with one syscall name.
enum class Treatment {
    Allow,      ///< always allowed (the kernel's own permission checks still apply)
    Deny,       ///< always EPERM, whatever the guest's capabilities
    CapGated,   ///< allowed only when the bounding set holds one of `caps`, else EPERM
    Nesting,    ///< namespace creation/joining: allowed only with allow_nesting, else EPERM
    ArgFilter,  ///< allowed with argument checks written in profile.cpp (clone, socket, ...)
};

struct SyscallRule {
    std::string_view name;
    Treatment treatment;
    uint64_t caps = 0;     ///< CapGated: any of these capability bits unlocks it
    std::string_view why;  ///< for Deny/CapGated/Nesting/ArgFilter: the reason (docs/security.md)
};

/// Every syscall name the profile knows, each exactly once. Names the running libseccomp does
/// not know (newer than its tables) are skipped when the filter is built: they get the
/// default action, ENOSYS.
const std::vector<SyscallRule>& syscall_rules();

/// The rule for `name`, or nullptr when the profile does not know it.
const SyscallRule* find_rule(std::string_view name);

}  // namespace vs::seccomp
