// Legacy NAME.conf variables -> keys of the /etc/vservers/NAME tree (util-vserver's mapping).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "config/legacy/shell_vars.hpp"
#include "config/vserver/writer.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::legacy {

/// What a legacy file becomes: key files of the tree, each already checked through the key
/// registry, plus everything that was not carried over, said in words.
struct Conversion {
    /// (relative path, content without the final newline), in the order the file gave them.
    std::vector<std::pair<std::string, std::string>> files;
    /// apps/init/style: the legacy script ran the guest's rc scripts itself (sysv) unless
    /// S_FLAGS held fakeinit (the guest's own /sbin/init as PID 1: plain).
    spec::InitStyle style = spec::InitStyle::Sysv;
    /// Variables the old script knew that have no counterpart, and values that mean nothing
    /// here: "VAR=VALUE: reason".
    std::vector<std::string> dropped;
    /// Variables neither the old script nor vserver-ng knows, "VAR=VALUE" (line N).
    std::vector<std::string> unknown;

    /// The files as one Edit, for config::vserver's writer.
    vserver::Edit edit() const;
};

/// Maps the assignments of `file` (named in every message). A bad value is an error naming the
/// file, the variable and the value; nothing is guessed.
Result<Conversion> convert(const std::vector<Assignment>& vars, const std::string& file);

/// The variables convert() maps, in the order it documents them.
const std::vector<std::string>& known_variables();

}  // namespace vs::config::legacy
