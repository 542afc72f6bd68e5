// fstab mount options -> mount attributes + filesystem parameters (pure, unit-tested).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace vs::mount {

/// Mount attribute bits, the same values as MOUNT_ATTR_* (mount_setattr(2)), kept here so the
/// plan stays plain data.
enum Attr : uint64_t {
    kRdonly = 0x1,
    kNosuid = 0x2,
    kNodev = 0x4,
    kNoexec = 0x8,
    kNoatime = 0x10,
    kStrictatime = 0x20,
    kNodiratime = 0x80,
};

struct Options {
    uint64_t attrs = 0;      ///< Attr bits
    bool bind = false;       ///< "bind" or "rbind"
    bool recursive = false;  ///< "rbind"
    bool noauto = false;     ///< skip at start (util-vserver honours it too)
    /// Filesystem parameters for fsconfig(2): {"size","16m"}; a flag has an empty value.
    std::vector<std::pair<std::string, std::string>> params;
};

/// Parses "defaults,ro,nosuid,size=16m,mode=1777". Unknown words become filesystem flags (the
/// kernel judges them). An empty key ("=x") or an empty list item is an error naming the text.
Result<Options> parse_options(const std::string& text);

}  // namespace vs::mount
