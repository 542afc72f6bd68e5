// vdu: disk usage per guest, split into exclusive and shared (and util-vserver's --space form).
#include <fmt/format.h>

#include <algorithm>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/registry.hpp"
#include "diskusage/measure.hpp"

namespace vs::cli {
namespace {

constexpr const char* kHelp =
    "usage: vdu [--json] [--human-readable|-H] [--bytes|-b] [--blocksize N] NAME...|--all\n"
    "       vdu --xid NAME|XID (--space|--inodes) [--blocksize N] [--script] [DIR...]\n"
    "  Per guest: APPARENT (st_size), ALLOC (allocated blocks, each physical byte once),\n"
    "  EXCL (bytes only this guest references: freed if it were deleted), SHARED (bytes\n"
    "  also referenced elsewhere: hard links, reflinks, snapshots, dedupe; counted once),\n"
    "  and the same split for INODES. With several guests a TOTAL row counts every byte and\n"
    "  inode once. Sizes in 1024-byte units unless -H, -b or --blocksize. NAME may be a\n"
    "  context number or a directory (a path with a '/').\n"
    "  The second form is util-vserver's: one line \"DIR N\" per DIR (default: the guest's\n"
    "  root), N = allocated bytes / blocksize (1024) or inodes; --script prints N only.\n";

int vdu_main(std::vector<std::string>& args) {
    bool json = false, all = false, space = false, inodes = false, script = false;
    diskusage::Units units;
    bool blocksize_set = false;
    std::optional<std::string> xid;
    std::vector<std::string> names;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            fmt::print("{}", kHelp);
            return kOk;
        } else if (a == "--json") {
            json = true;
        } else if (a == "--all" || a == "-a") {
            all = true;
        } else if (a == "--human-readable" || a == "-H") {
            units.human = true;
        } else if (a == "--bytes" || a == "-b") {
            units.blocksize = 1;
            blocksize_set = true;
        } else if (a == "--space") {
            space = true;
        } else if (a == "--inodes") {
            inodes = true;
        } else if (a == "--script") {
            script = true;
        } else if (a == "--blocksize" || a.rfind("--blocksize=", 0) == 0) {
            auto v = a == "--blocksize" ? value() : std::optional(a.substr(12));
            auto n = v ? str::parse_u64(*v) : std::nullopt;
            if (!n || *n == 0) {
                log::error("--blocksize: \"{}\" is not a positive number of bytes", v.value_or(""));
                return kUsage;
            }
            units.blocksize = *n;
            blocksize_set = true;
        } else if (a == "--xid" || a == "-c" || a.rfind("--xid=", 0) == 0) {
            xid = a.rfind("--xid=", 0) == 0 ? std::optional(a.substr(6)) : value();
            if (!xid || xid->empty()) {
                log::error("--xid needs a guest name or context number");
                return kUsage;
            }
        } else if (a == "--") {
            names.insert(names.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        } else if (a.size() > 1 && a[0] == '-') {
            return unknown_option(a, kHelp);
        } else {
            names.push_back(a);
        }
    }
    const bool classic = space || inodes;
    if (space && inodes) {
        log::error(
            "--space and --inodes: give one of them (util-vserver's vdu does one thing at a "
            "time)");
        return kUsage;
    }
    if (classic && (json || all || units.human)) {
        log::error(
            "--space/--inodes print util-vserver's \"DIR N\" lines: no --json, --all or -H "
            "with them");
        return kUsage;
    }
    if (!classic && script) {
        log::error("--script goes with --space or --inodes");
        return kUsage;
    }
    if (all && !names.empty()) {
        log::error("--all measures every guest: give no NAME with it");
        return kUsage;
    }

    auto paths = config::Paths::from_env();
    std::vector<diskusage::Target> targets;
    std::vector<std::pair<std::string, std::string>> broken;  // --all: guests whose config fails
    auto add_guest = [&](const std::string& n) -> bool {
        auto t = diskusage::guest_target(paths, n);
        if (!t) {
            log::error("{}", t.error().what());
            return false;
        }
        targets.push_back(std::move(*t));
        return true;
    };
    if (classic) {
        if (!xid && names.empty()) {
            log::error("--space/--inodes need --xid NAME|XID or a DIR");
            return kUsage;
        }
        // Without file tags every file below a DIR is the guest's: --xid only names the guest
        // whose root is measured when no DIR is given.
        if (xid && !add_guest(*xid)) return kUsage;
        if (!names.empty()) targets.clear();
        for (auto& d : names) targets.push_back({d, d, false});
        if (!blocksize_set) units.blocksize = 1024;
    } else {
        if (xid) names.insert(names.begin(), *xid);
        if (all) {
            auto a = diskusage::guest_names(paths);
            if (!a) {
                log::error("{}", a.error().what());
                return kFail;
            }
            for (auto& n : *a) {
                auto t = diskusage::guest_target(paths, n);
                if (t)
                    targets.push_back(std::move(*t));
                else
                    broken.emplace_back(n, t.error().what());
            }
        }
        if (!all && names.empty()) {
            log::error("give guest names or --all");
            fmt::print(stderr, "{}", kHelp);
            return kUsage;
        }
        for (auto& n : names) {
            if (n.find('/') != std::string::npos) {
                targets.push_back({n, n, false});
            } else if (!add_guest(n)) {
                return kUsage;
            }
        }
        // The same guest twice would count its inodes as shared with itself.
        std::vector<diskusage::Target> unique;
        for (auto& t : targets)
            if (std::none_of(unique.begin(), unique.end(),
                             [&](auto& u) { return u.root == t.root; }))
                unique.push_back(t);
        targets = std::move(unique);
    }

    // One guest that cannot be measured (a broken config, a tree that keeps changing) is
    // reported and the others are still measured; the exit status says something failed.
    auto scanned = diskusage::scan_targets(targets);
    auto report = diskusage::account(scanned.scanner);
    const int rc = scanned.ok() && broken.empty() ? kOk : kFail;
    if (json) {
        auto j = diskusage::vdu_json(targets, scanned, report);
        for (auto& b : broken) j["errors"].push_back({{"name", b.first}, {"error", b.second}});
        fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        return rc;
    }
    for (auto& b : broken) log::error("{}", b.second);
    for (auto& e : scanned.errors)
        if (!e.empty()) log::error("{}", e);
    for (auto& n : scanned.scanner.notes()) log::warn("{}", n);
    if (classic)
        fmt::print("{}", diskusage::vdu_classic(targets, scanned, report, inodes, units.blocksize,
                                                script));
    else
        fmt::print("{}", diskusage::vdu_table(targets, scanned, report, units));
    return rc;
}

RegisterTool reg("vdu",
                 {"disk usage per guest, split into exclusive and shared bytes and inodes",
                  kHelp,
                  {"--json", "--all", "-a", "--human-readable", "-H", "--bytes", "-b",
                   "--blocksize", "--xid", "-c", "--space", "--inodes", "--script"}},
                 vdu_main);

}  // namespace
}  // namespace vs::cli
