// `vserver restore FILE [NEWNAME] [--ip ADDR]... [--no-ip] [--json] [-q]` (also
// `vserver NEWNAME restore FILE`) and `vserver restore --verify FILE [NAME]`.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "cli/transfer_args.hpp"
#include "transfer/restore.hpp"

namespace vs::cli {

namespace {

constexpr const char* kUsageLine =
    "usage: vserver restore FILE [NEWNAME] [--ip ADDR]... [--no-ip] [--json] [-q]\n"
    "       vserver restore --verify FILE [NAME] [--json]";

int verify(const TransferArgs& t, const config::Paths& paths) {
    std::string name;
    if (t.positional.size() == 2) {
        name = t.positional[1];
    } else {
        auto n = transfer::archived_name(t.positional[0]);
        if (!n) {
            log::error("restore --verify: {}", n.error().what());
            return kUsage;
        }
        name = *n;
    }
    auto d = transfer::verify(paths, t.positional[0], name);
    if (!d) {
        log::error("{}", d.error().what());
        return kFail;
    }
    if (t.json) {
        fmt::print("{}\n", nlohmann::json({{"file", t.positional[0]},
                                           {"guest", name},
                                           {"identical", d->empty()},
                                           {"differences", *d}})
                               .dump());
    } else {
        for (auto& l : *d) fmt::print("{}\n", l);
        if (d->empty() && !t.quiet)
            fmt::print("\"{}\" matches the root of guest {}\n", t.positional[0], name);
    }
    return d->empty() ? kOk : kFail;
}

int cmd_restore(GuestCommand& c) {
    auto t = parse_transfer_args("restore", c.args, {"--verify"});
    if (!t) {
        log::error("{}", t.error().message);
        return kUsage;
    }
    // `vserver NAME restore FILE`: NAME is the new (or, with --verify, the compared) guest.
    if (!c.guest.empty()) t->positional.push_back(c.guest);
    if (t->positional.empty() || t->positional.size() > 2 || (t->verify && t->interfaces)) {
        log::error("{}", kUsageLine);
        return kUsage;
    }
    const config::Paths& paths = c.paths;
    if (t->verify) return verify(*t, paths);
    transfer::RestoreOptions opt;
    if (t->positional.size() == 2) opt.name = t->positional[1];
    opt.interfaces = t->interfaces;
    opt.progress = !t->quiet && !t->json;
    auto r = transfer::restore(paths, t->positional[0], opt);
    if (!r) {
        const int code = r.error().code;
        log::error("{}", r.error().what());
        return code == EINVAL || code == ENOENT || code == EEXIST ? kUsage : kFail;
    }
    if (t->json) {
        fmt::print("{}\n", nlohmann::json({{"file", t->positional[0]},
                                           {"guest", r->name},
                                           {"archived_name", r->archived_name},
                                           {"context", r->context},
                                           {"root", r->root},
                                           {"config_dir", r->config_dir},
                                           {"archive_bytes", r->archive_bytes},
                                           {"duration_s", r->seconds},
                                           {"dropped_config_files", r->dropped}})
                               .dump());
    } else if (!t->quiet) {
        fmt::print("restored guest {} (context {}) from \"{}\" in {:.1f} s\n", r->name, r->context,
                   t->positional[0], r->seconds);
    }
    return kOk;
}

RegisterGuestCommand reg(
    "restore",
    CommandDoc{"make a backup into a new guest (vserver restore FILE [NEWNAME]); --verify "
               "compares it with a guest's root",
               std::string(kUsageLine) +
                   "\n  --ip ADDR     the new guest's address (repeatable; build's --interface "
                   "syntax)\n  --no-ip       no interfaces\n  --verify      compare FILE with "
                   "the root of guest NAME (default: the archived name)\n  --json        a JSON "
                   "summary on stdout\n  -q, --quiet   no progress line, no summary\n",
               {"--ip", "--no-ip", "--verify", "--json", "-q", "--quiet"}},
    cmd_restore);

}  // namespace

}  // namespace vs::cli
