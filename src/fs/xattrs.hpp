// The extended attributes of an open file, read whole: ACLs (system.posix_acl_*), file
// capabilities (security.capability), security labels and user.* alike are xattrs.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace vs::fs {

using Xattrs = std::vector<std::pair<std::string, std::string>>;  ///< sorted by name

/// Every xattr of the open file `fd` but `skip` (`what` names it in errors). `skip_seen`, when
/// given, tells whether `skip` was among the names (the listing shows it: no second call). A file
/// system without xattrs (ENOTSUP) has none; a name removed between the listing and its read is
/// left out.
Result<Xattrs> read_xattrs(int fd, const std::string& what, std::string_view skip = {},
                           bool* skip_seen = nullptr);

}  // namespace vs::fs
