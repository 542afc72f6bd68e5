// vserver-copy --domain: the copy's /etc/hostname and /etc/hosts, rewritten in its staged root.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::transfer {

/// A DNS domain as --domain takes it: labels of letters, digits and '-' joined by dots, at
/// most 253 characters. Anything else is EINVAL naming the value.
Status validate_domain(const std::string& domain);

/// The first enabled address of `interfaces` (what /etc/hosts names), or EINVAL when there is
/// none: --domain needs an address for the copy.
Result<std::string> first_address(const std::vector<spec::Interface>& interfaces);

/// Replaces `<root>/etc/hostname` with NAME and `<root>/etc/hosts` with localhost, "ADDR
/// NAME.DOMAIN NAME" and the usual IPv6 lines, as util-vserver's vserver-copy -d/-i did. The
/// root is a copy of a guest's tree: etc is resolved inside it (openat2 RESOLVE_IN_ROOT, no
/// mount crossed), each file is written beside the old one and renamed over it (a symlink there
/// is replaced, never followed), keeping the old file's owner and mode when it was a regular
/// file.
Status write_host_names(const std::string& root, const std::string& name, const std::string& domain,
                        const std::string& address);

}  // namespace vs::transfer
