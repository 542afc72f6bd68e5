// `vserver NAME backup FILE [--json] [-q]`: the guest's config and root into one tar archive.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "cli/transfer_args.hpp"
#include "transfer/backup.hpp"
#include "transfer/progress.hpp"

namespace vs::cli {

namespace {

int cmd_backup(GuestCommand& c) {
    auto t = parse_transfer_args(c.guest + " backup", c.args, {});
    if (!t) {
        log::error("{}", t.error().message);
        return kUsage;
    }
    if (t->positional.size() != 1 || t->interfaces) {
        log::error("{} backup: usage: backup FILE.tar[.gz|.xz|.zst] [--json] [-q]", c.guest);
        return kUsage;
    }
    transfer::BackupOptions opt;
    opt.progress = !t->quiet && !t->json;
    auto r = transfer::backup(c.paths, c.guest, t->positional[0], opt);
    if (!r) {
        const int code = r.error().code;
        log::error("{}", r.error().what());
        return code == EINVAL || code == ENOENT ? kUsage : kFail;
    }
    for (auto& s : r->skipped) log::warn("backup {}: not archived: {}", c.guest, s);
    if (t->json) {
        nlohmann::json j = {
            {"guest", c.guest},
            {"file", r->file},
            {"compression", transfer::compression_name(r->compression)},
            {"consistency", transfer::consistency_name(r->consistency)},
            {"frozen_s", r->frozen_seconds},
            {"entries", r->entries},
            {"bytes", r->bytes},
            {"archive_bytes", r->archive_bytes},
            {"duration_s", r->seconds},
            {"skipped", r->skipped},
        };
        fmt::print("{}\n", j.dump());
    } else if (!t->quiet) {
        fmt::print("backup of {}: \"{}\", {} entries, {} -> {} ({}), {} in {:.1f} s\n", c.guest,
                   r->file, r->entries, transfer::human_bytes(double(r->bytes)),
                   transfer::human_bytes(double(r->archive_bytes)),
                   transfer::compression_name(r->compression),
                   r->consistency == transfer::Consistency::Stopped
                       ? std::string("stopped")
                       : fmt::format("{}, frozen {:.3f} s",
                                     transfer::consistency_name(r->consistency), r->frozen_seconds),
                   r->seconds);
    }
    return kOk;
}

RegisterGuestCommand reg(
    "backup",
    CommandDoc{"write config and root to FILE.tar[.gz|.xz|.zst] (a running guest is frozen or "
               "snapshotted)",
               "usage: vserver NAME backup FILE.tar[.gz|.xz|.zst] [--json] [-q]\n"
               "  --json        a JSON summary on stdout\n"
               "  -q, --quiet   no progress line, no summary\n",
               {"--json", "-q", "--quiet"}},
    cmd_backup);

}  // namespace

}  // namespace vs::cli
