// Every vsrun option table: the global options and each verb's, as vsrun's parser takes them
// and bash completion offers them (`vserver --list-options vsrun VERB`).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli/vsrun_args.hpp"

namespace vs::cli::vsrun {

/// The options before the verb (--root, --log, ...).
const std::vector<OptSpec>& global_options();

/// Each verb (create, run, exec, start, state, ...) with its options.
const std::map<std::string, std::vector<OptSpec>>& verb_options();

/// The options of `verb`, which must be one of verb_options()'s.
const std::vector<OptSpec>& options_of(const std::string& verb);

}  // namespace vs::cli::vsrun
