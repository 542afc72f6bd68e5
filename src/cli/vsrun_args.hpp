// vsrun's command line as runc (urfave/cli) reads it: global options, a verb, its options
// ("--opt value", "--opt=value", "-o value", one dash or two for long names, booleans with an
// optional "=true|false"), then positional arguments; options stop at the first positional.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::cli::vsrun {

struct OptSpec {
    std::vector<std::string> names;  ///< "bundle", "b"
    bool takes_value = false;
    bool repeat = false;  ///< may be given several times (--env)
};

struct Parsed {
    std::map<std::string, std::vector<std::string>> values;  ///< by first name
    std::vector<std::string> positional;
    bool has(const std::string& n) const;
    std::string get(const std::string& n, const std::string& def = "") const;
    bool flag(const std::string& n) const;
};

/// Parses args[from..] against `specs`, stopping at the first positional (all that follows is
/// positional) or at "--"; `stopped_at` gets the index of the first positional. Unknown options
/// and a missing value are errors naming them.
Result<Parsed> parse(const std::vector<std::string>& args, size_t from,
                     const std::vector<OptSpec>& specs, size_t* stopped_at = nullptr,
                     bool stop_at_positional = true);

/// The one ID a verb takes (and up to `max_extra` arguments after it): a missing ID or an
/// argument too many is an error naming the verb.
Result<std::string> one_id(const Parsed& p, const char* verb, size_t max_extra = 0);

}  // namespace vs::cli::vsrun
