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

/// The command line. `done` is set when it is answered already (--help, a bad option).
struct VduArgs {
    bool json = false, all = false, space = false, inodes = false, script = false;
    diskusage::Units units;
    bool blocksize_set = false;
    std::optional<std::string> xid;
    std::vector<std::string> names;
    std::optional<int> done;
    bool classic() const { return space || inodes; }
};

VduArgs parse_args(std::vector<std::string>& args) {
    VduArgs r;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            fmt::print("{}", kHelp);
            r.done = kOk;
        } else if (a == "--json") {
            r.json = true;
        } else if (a == "--all" || a == "-a") {
            r.all = true;
        } else if (a == "--human-readable" || a == "-H") {
            r.units.human = true;
        } else if (a == "--bytes" || a == "-b") {
            r.units.blocksize = 1;
            r.blocksize_set = true;
        } else if (a == "--space") {
            r.space = true;
        } else if (a == "--inodes") {
            r.inodes = true;
        } else if (a == "--script") {
            r.script = true;
        } else if (a == "--blocksize" || a.rfind("--blocksize=", 0) == 0) {
            auto v = a == "--blocksize" ? value() : std::optional(a.substr(12));
            auto n = v ? str::parse_u64(*v) : std::nullopt;
            if (!n || *n == 0) {
                log::error("--blocksize: \"{}\" is not a positive number of bytes", v.value_or(""));
                r.done = kUsage;
            } else {
                r.units.blocksize = *n;
                r.blocksize_set = true;
            }
        } else if (a == "--xid" || a == "-c" || a.rfind("--xid=", 0) == 0) {
            r.xid = a.rfind("--xid=", 0) == 0 ? std::optional(a.substr(6)) : value();
            if (!r.xid || r.xid->empty()) {
                log::error("--xid needs a guest name or context number");
                r.done = kUsage;
            }
        } else if (a == "--") {
            r.names.insert(r.names.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        } else if (a.size() > 1 && a[0] == '-') {
            r.done = unknown_option(a, kHelp);
        } else {
            r.names.push_back(a);
        }
        if (r.done) break;
    }
    return r;
}

/// The combinations util-vserver's form and ours do not take: false after the error line.
bool check_args(const VduArgs& r) {
    if (r.space && r.inodes) {
        log::error(
            "--space and --inodes: give one of them (util-vserver's vdu does one thing at a "
            "time)");
        return false;
    }
    if (r.classic() && (r.json || r.all || r.units.human)) {
        log::error(
            "--space/--inodes print util-vserver's \"DIR N\" lines: no --json, --all or -H "
            "with them");
        return false;
    }
    if (!r.classic() && r.script) {
        log::error("--script goes with --space or --inodes");
        return false;
    }
    if (r.all && !r.names.empty()) {
        log::error("--all measures every guest: give no NAME with it");
        return false;
    }
    return true;
}

/// What vdu measures. `broken`: with --all, the guests whose config fails (reported, the others
/// measured). Returns the exit status when it cannot go on.
std::optional<int> collect_targets(const config::Paths& paths, VduArgs& r,
                                   std::vector<diskusage::Target>& targets,
                                   std::vector<std::pair<std::string, std::string>>& broken) {
    auto add_guest = [&](const std::string& n) -> bool {
        auto t = diskusage::guest_target(paths, n);
        if (!t) {
            log::error("{}", t.error().what());
            return false;
        }
        targets.push_back(std::move(*t));
        return true;
    };
    if (r.classic()) {
        if (!r.xid && r.names.empty()) {
            log::error("--space/--inodes need --xid NAME|XID or a DIR");
            return kUsage;
        }
        // Without file tags every file below a DIR is the guest's: --xid only names the guest
        // whose root is measured when no DIR is given.
        if (r.xid && !add_guest(*r.xid)) return kUsage;
        if (!r.names.empty()) targets.clear();
        for (auto& d : r.names) targets.push_back({d, d, false});
        if (!r.blocksize_set) r.units.blocksize = 1024;
        return std::nullopt;
    }
    if (r.xid) r.names.insert(r.names.begin(), *r.xid);
    if (r.all) {
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
    if (!r.all && r.names.empty()) {
        log::error("give guest names or --all");
        fmt::print(stderr, "{}", kHelp);
        return kUsage;
    }
    for (auto& n : r.names) {
        if (n.find('/') != std::string::npos) {
            targets.push_back({n, n, false});
        } else if (!add_guest(n)) {
            return kUsage;
        }
    }
    // The same guest twice would count its inodes as shared with itself.
    std::vector<diskusage::Target> unique;
    for (auto& t : targets)
        if (std::none_of(unique.begin(), unique.end(), [&](auto& u) { return u.root == t.root; }))
            unique.push_back(t);
    targets = std::move(unique);
    return std::nullopt;
}

int vdu_main(std::vector<std::string>& args) {
    VduArgs r = parse_args(args);
    if (r.done) return *r.done;
    if (!check_args(r)) return kUsage;
    auto paths = config::Paths::from_env();
    std::vector<diskusage::Target> targets;
    std::vector<std::pair<std::string, std::string>> broken;
    if (auto rc = collect_targets(paths, r, targets, broken)) return *rc;

    // One guest that cannot be measured (a broken config, a tree that keeps changing) is
    // reported and the others are still measured; the exit status says something failed.
    auto scanned = diskusage::scan_targets(targets);
    auto report = diskusage::account(scanned.scanner);
    const int rc = scanned.ok() && broken.empty() ? kOk : kFail;
    if (r.json) {
        auto j = diskusage::vdu_json(targets, scanned, report);
        for (auto& b : broken) j["errors"].push_back({{"name", b.first}, {"error", b.second}});
        fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        return rc;
    }
    for (auto& b : broken) log::error("{}", b.second);
    for (auto& e : scanned.errors)
        if (!e.empty()) log::error("{}", e);
    for (auto& n : scanned.scanner.notes()) log::warn("{}", n);
    if (r.classic())
        fmt::print("{}", diskusage::vdu_classic(targets, scanned, report, r.inodes,
                                                r.units.blocksize, r.script));
    else
        fmt::print("{}", diskusage::vdu_table(targets, scanned, report, r.units));
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
