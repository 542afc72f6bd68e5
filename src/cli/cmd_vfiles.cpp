// vfiles: a guest's specific files, the regular files it shares with no other guest.
#include <fmt/format.h>

#include "base/log.hpp"
#include "cli/registry.hpp"
#include "diskusage/measure.hpp"

namespace vs::cli {
namespace {

constexpr const char* kHelp =
    "usage: vfiles [--json] [-0|--null] NAME [--reference|-r OTHER]...\n"
    "  Lists the regular files of guest NAME that share nothing, one path per line (as seen\n"
    "  inside the guest; every hard link of such a file inside the guest is listed).\n"
    "  Without --reference: no link of the file outside the guest and no extent the\n"
    "  filesystem flags shared. With --reference: nothing shared with the OTHER guests (hard\n"
    "  links to them or extents they reference), whatever else shares it. Control bytes and\n"
    "  backslashes in names are printed as \\ooo; -0 prints raw names ended by NUL instead.\n";

int vfiles_main(std::vector<std::string>& args) {
    bool json = false, null = false;
    std::vector<std::string> names, refs;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            fmt::print("{}", kHelp);
            return kOk;
        } else if (a == "--json") {
            json = true;
        } else if (a == "-0" || a == "--null") {
            null = true;
        } else if (a == "--reference" || a == "-r") {
            if (i + 1 >= args.size()) {
                log::error("{} needs a guest name", a);
                return kUsage;
            }
            refs.push_back(args[++i]);
        } else if (a.rfind("--reference=", 0) == 0) {
            refs.push_back(a.substr(12));
        } else if (a.size() > 1 && a[0] == '-') {
            return unknown_option(a, kHelp);
        } else {
            names.push_back(a);
        }
    }
    if (names.size() != 1) {
        log::error("give one guest NAME (got {})", names.size());
        fmt::print(stderr, "{}", kHelp);
        return kUsage;
    }
    if (json && null) {
        log::error("--json and -0: give one of them");
        return kUsage;
    }
    auto paths = config::Paths::from_env();
    std::vector<diskusage::Target> targets;
    for (auto& n : names) refs.insert(refs.begin(), n);
    for (auto& n : refs) {
        auto t = diskusage::guest_target(paths, n);
        if (!t) {
            log::error("{}", t.error().what());
            return kUsage;
        }
        for (auto& prev : targets)
            if (prev.root == t->root) {
                log::error("\"{}\" and \"{}\" are the same guest root ({})", prev.name, t->name,
                           t->root);
                return kUsage;
            }
        targets.push_back(std::move(*t));
    }
    // Every tree must be measured: a reference missing would list files as specific.
    auto scanned = diskusage::scan_targets(targets, 1);
    if (!scanned.ok()) {
        for (auto& e : scanned.errors)
            if (!e.empty()) log::error("{}", e);
        return kFail;
    }
    const auto* scanner = &scanned.scanner;
    std::vector<uint32_t> ref_trees;
    for (uint32_t i = 1; i < targets.size(); ++i) ref_trees.push_back(i);
    auto files =
        diskusage::specific_files(scanner->inodes(), 0, ref_trees, scanner->domains().size());
    for (auto& n : scanner->notes()) log::warn("{}", n);
    if (json) {
        std::vector<diskusage::Target> rt(targets.begin() + 1, targets.end());
        fmt::print("{}\n", diskusage::vfiles_json(targets[0], rt, files)
                               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        return kOk;
    }
    std::string out;
    for (auto& f : files)
        for (auto& p : f.paths) out += null ? p + '\0' : diskusage::escape_path(p) + '\n';
    fmt::print("{}", out);
    return kOk;
}

RegisterTool reg("vfiles",
                 {"a guest's specific files: the regular files it shares with nothing",
                  kHelp,
                  {"--json", "-0", "--null", "--reference", "-r"}},
                 vfiles_main);

}  // namespace
}  // namespace vs::cli
