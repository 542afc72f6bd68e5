// `vserver NAME import-legacy [FILE]`: a legacy NAME.conf becomes the guest's config tree.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::runtime {

struct LegacyImport {
    std::string file;        ///< the legacy file read (kept as it was)
    std::string config_dir;  ///< the tree written
    std::vector<std::pair<std::string, std::string>> files;  ///< key files from variables
    std::vector<std::string> dropped;                        ///< not carried over, with why
    std::vector<std::string> unknown;                        ///< variables nobody knows
    std::vector<std::string> warnings;                       ///< from loading the new tree
};

/// Reads `file` (default <config_dir>/NAME.conf) as text (config::legacy::parse_shell_vars;
/// never run), maps it (config::legacy::convert), refuses addresses another guest or the host
/// holds (as build does), and writes the new tree through config::vserver::NewConfig: staged
/// beside its place, loaded back as start loads it, renamed in. Refused when NAME already has
/// a config dir. Nothing is written on any failure; the legacy file is never changed.
/// `*bad_input` is set for refusals of the input (CLI exit 2).
Result<LegacyImport> import_legacy(const config::Paths& paths, const std::string& name,
                                   std::string file, bool* bad_input = nullptr);

}  // namespace vs::runtime
