// Scanning a list of targets and rendering what vdu and vfiles print (text and --json).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diskusage/account.hpp"
#include "diskusage/scan.hpp"
#include "diskusage/specific.hpp"
#include "diskusage/targets.hpp"

namespace vs::diskusage {

/// Every target scanned into one Scanner (so sharing between them is seen), tree i being
/// target i. errors[i] is empty when target i was measured; a target that could not be opened
/// or walked holds nothing and does not stop the others.
struct Scanned {
    Scanner scanner;
    std::vector<std::string> errors;
    bool ok() const;
};
/// The first `keep_paths_of` targets keep their paths (vfiles' guest).
Scanned scan_targets(const std::vector<Target>& targets, size_t keep_paths_of = 0);

/// How numbers are printed in text: in units of `blocksize` bytes rounded up (du's default is
/// 1024), or with -h in powers of 1024 with a unit letter.
struct Units {
    uint64_t blocksize = 1024;
    bool human = false;
};
std::string format_bytes(uint64_t bytes, const Units& u);

/// vdu's table: one row per target measured, plus a total row when there are several.
std::string vdu_table(const std::vector<Target>& targets, const Scanned& s, const Report& r,
                      const Units& u);
/// vdu --json (docs/json/vdu.schema.json): the targets measured, and the others in "errors".
nlohmann::json vdu_json(const std::vector<Target>& targets, const Scanned& s, const Report& r);
/// util-vserver's vdu output: "DIR N" (or "N" with --script) per target measured; N is
/// allocated bytes counted once divided by blocksize, or inodes.
std::string vdu_classic(const std::vector<Target>& targets, const Scanned& s, const Report& r,
                        bool inodes, uint64_t blocksize, bool script);

/// A path printed one per line: control bytes and backslashes escaped as \ooo
/// (a guest's file name may hold a newline meant to forge a second line).
std::string escape_path(const std::string& p);
/// vfiles --json (docs/json/vfiles.schema.json).
nlohmann::json vfiles_json(const Target& guest, const std::vector<Target>& refs,
                           const std::vector<SpecificFile>& files);

}  // namespace vs::diskusage
