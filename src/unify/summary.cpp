// The run's summary as JSON (`--json`) and as text.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "unify/unify.hpp"

namespace vs::unify {

using namespace vs::str;  // NOLINT: the string helpers read better unqualified

std::string summary_json(const Summary& s) {
    nlohmann::json j;
    j["dry_run"] = s.dry_run;
    j["shared_files"] = s.shared_files;
    j["shared_bytes"] = s.shared_bytes;
    j["bytes_saved"] = s.bytes_saved;
    j["seconds"] = s.seconds;
    auto arr = nlohmann::json::array();
    for (const auto& g : s.guests) {
        arr.push_back({{"name", g.name},
                       {"method", g.method},
                       {"files", g.files},
                       {"candidates", g.candidates},
                       {"hashed", g.hashed},
                       {"cached", g.cached},
                       {"bytes_hashed", g.bytes_hashed},
                       {"shared_files", g.shared_files},
                       {"shared_bytes", g.shared_bytes},
                       {"already_shared", g.already_shared},
                       {"resealed", g.resealed},
                       {"skipped",
                        {{"excluded", g.excluded},
                         {"conffiles", g.conffiles},
                         {"small", g.small},
                         {"not_regular", g.special},
                         {"hard_linked", g.hardlinked},
                         {"inline", g.inline_files}}},
                       {"changed", g.changed},
                       {"errors", g.errors}});
    }
    j["guests"] = arr;
    return j.dump(2) + "\n";
}

std::string summary_text(const Summary& s) {
    std::string out;
    for (const auto& g : s.guests) {
        out += fmt::format("{}: {} ({}), {} files, {} shared now ({}), {} already shared\n", g.name,
                           g.method, s.dry_run ? "dry run" : "done", g.files, g.shared_files,
                           human_bytes(g.shared_bytes), g.already_shared);
        for (const auto& c : g.changed)
            out += fmt::format("  skipped, changed while being hashed or shared: {}\n", quote(c));
        for (const auto& e : g.errors) out += fmt::format("  error: {}\n", e);
    }
    out += fmt::format(
        "total: {} files, {} shared; {} {} on disk (df) in {:.1f} s\n", s.shared_files,
        human_bytes(s.shared_bytes), s.bytes_saved >= 0 ? "freed" : "used",
        human_bytes(static_cast<uint64_t>(s.bytes_saved >= 0 ? s.bytes_saved : -s.bytes_saved)),
        s.seconds);
    return out;
}

}  // namespace vs::unify
