// The values of a guest's keys as the tree holds them, each with where it comes from: what
// `vserver NAME config get|list` shows, and the near-match suggestions for an unknown key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "config/vserver/registry.hpp"

namespace vs::config::vserver {

/// Where a key's value comes from.
enum class Source {
    Guest,     ///< the guest's own file
    Defaults,  ///< /etc/vservers/.defaults (shell)
    Builtin,   ///< vserver-ng's default for an absent file
    Unset,     ///< absent and without a value (the key's doc says what that means)
};
/// "guest", "defaults", "builtin", "unset".
const char* source_name(Source s);

struct KeyValue {
    std::string rel;           ///< "interfaces/0/ip"
    const Key* key = nullptr;  ///< nullptr for a file no key claims
    Source source = Source::Unset;
    /// The file's text (a link's target; "" for a program, whose path is `rel`) or the
    /// default's text; nullopt when unset.
    std::optional<std::string> text;
};

/// One line per value as `config get` prints it: a scalar's first line trimmed, a list's or
/// hash's entries, a data file's lines, "yes"/"no" for a bool, a link's target; empty when
/// unset.
std::vector<std::string> value_lines(const KeyValue& v);

/// One key as `config get|list --json` print it (docs/json/config-get.schema.json): key, value
/// (a string, list, bool or null by the key's kind), source, pattern, kind, applies, note.
nlohmann::json entry_json(const KeyValue& v);

/// Every key of guest NAME's tree: its files in name order (unknown ones with key nullptr,
/// never opened), then every key without '*' whose file is absent, with its default. The
/// guest must exist; its files are read as the loader reads them (read_config_file).
Result<std::vector<KeyValue>> list_values(const Paths& paths, const std::string& name);

/// The value of key `rel` (claimed by a key) of guest NAME, its default when absent.
Result<KeyValue> get_value(const Paths& paths, const std::string& name, const std::string& rel);

/// Up to three keys close to the unknown `rel`, best first (patterns with '*' filled from
/// `rel`'s own components where they line up).
std::vector<std::string> suggest_keys(std::string_view rel);

}  // namespace vs::config::vserver
