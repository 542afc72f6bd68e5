// vsrun's verbs ps, list, update, events and spec (vsrun_verbs.cpp): each parses its options
// from args[at..] and returns the exit status, or the error for --log.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "runtime/oci/oci.hpp"

namespace vs::cli::vsrun {

/// ps [--format table|json] ID: the container's processes.
Result<int> verb_ps(const std::vector<std::string>& args, size_t at,
                    const runtime::oci::Options& opt);
/// list [--format table|json] [-q]: every container under --root.
Result<int> verb_list(const std::vector<std::string>& args, size_t at,
                      const runtime::oci::Options& opt);
/// update [--resources FILE|-] [runc's single flags] ID: limits applied live.
Result<int> verb_update(const std::vector<std::string>& args, size_t at,
                        const runtime::oci::Options& opt);
/// events [--stats] [--interval T] ID: stats events until the container stops (one: --stats).
Result<int> verb_events(const std::vector<std::string>& args, size_t at,
                        const runtime::oci::Options& opt);
/// spec [--bundle DIR] [--rootless]: a default config.json, never over an existing one.
Result<int> verb_spec(const std::vector<std::string>& args, size_t at,
                      const runtime::oci::Options& opt);

}  // namespace vs::cli::vsrun
