// `vserver NAME import-legacy [FILE]`: converts util-vserver's legacy NAME.conf into the tree.
#include <fmt/format.h>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "runtime/import_legacy.hpp"

namespace vs::cli {

namespace {

int cmd_import_legacy(GuestCommand& c) {
    if (c.args.size() > 1 || (!c.args.empty() && c.args[0].rfind("-", 0) == 0)) {
        log::error(
            "{} import-legacy: unexpected argument \"{}\" (usage: import-legacy "
            "[/etc/vservers/NAME.conf])",
            c.guest, c.args.back());
        return kUsage;
    }
    bool bad = false;
    auto r = runtime::import_legacy(c.paths, c.guest, c.args.empty() ? "" : c.args[0], &bad);
    if (!r) {
        log::error("{}", r.error().what());
        return bad ? kUsage : kFail;
    }
    fmt::print("{}: converted \"{}\" into \"{}\"\n", c.guest, r->file, r->config_dir);
    for (const auto& [rel, content] : r->files) {
        std::string shown = content;
        for (auto& ch : shown)
            if (ch == '\n') ch = ' ';
        fmt::print("  {} = {}\n", rel, shown);
    }
    for (const auto& d : r->dropped) log::warn("not converted: {}", d);
    for (const auto& u : r->unknown) log::warn("unknown variable, not converted: {}", u);
    for (const auto& w : r->warnings) log::warn("{}", w);
    fmt::print(
        "{}: the legacy file is kept; remove it once the guest runs from the new "
        "config\n",
        c.guest);
    return kOk;
}

RegisterGuestCommand reg("import-legacy",
                         "convert the legacy /etc/vservers/NAME.conf (or FILE) into the config "
                         "tree",
                         cmd_import_legacy);

}  // namespace

}  // namespace vs::cli
