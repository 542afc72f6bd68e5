// `vserver NAME dlimit [--apply] [--json]`: the guest's disk limits and usage (dlimits/), and
// applying them now (start applies them too) after the files were edited.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/registry.hpp"
#include "config/vserver/tree.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"
#include "store/disk_limits.hpp"

namespace vs::cli {

namespace {

int cmd_dlimit(GuestCommand& c) {
    bool apply = false, json = false;
    for (auto& a : c.args) {
        if (a == "--apply")
            apply = true;
        else if (a == "--json")
            json = true;
        else {
            log::error("dlimit: unknown argument \"{}\" (use --apply, --json)", a);
            return kUsage;
        }
    }
    auto exists = [&]() -> Status {
        VS_TRY(spec::validate_name(c.guest));
        return runtime::guest_exists(c.paths, c.guest);
    };
    if (auto e = exists(); !e) {
        log::error("{}", e.error().what());
        return kUsage;
    }
    auto loaded = config::vserver::load(c.paths, c.guest);
    if (!loaded) {
        log::error("{}", loaded.error().what());
        return loaded.error().code == ENOENT ? kFail : kUsage;
    }
    const auto& spec = loaded->spec;
    if (spec.dlimits.empty()) {
        if (json)
            fmt::print("[]\n");
        else
            fmt::print("guest {} has no disk limits (dlimits/)\n", c.guest);
        return kOk;
    }
    if (apply) {
        if (auto r = store::apply_disk_limits(spec); !r) {
            log::error("{}", r.error().what());
            return kFail;
        }
    }
    auto usage = store::disk_usage(spec);
    if (!usage) {
        log::error("{}", usage.error().what());
        return kFail;
    }
    if (json) {
        auto arr = nlohmann::json::array();
        for (auto& u : *usage)
            arr.push_back({{"id", u.id},
                           {"directory", u.directory},
                           {"backend", store::backend_name(u.backend)},
                           {"space_used_bytes", u.space_used_bytes},
                           {"space_limit_bytes", u.space_limit_bytes},
                           {"inodes_used", u.inodes_counted ? nlohmann::json(u.inodes_used)
                                                            : nlohmann::json(nullptr)},
                           {"inodes_limit", u.inodes_limit}});
        fmt::print("{}\n", arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        return kOk;
    }
    fmt::print("{:<10} {:<14} {:>12} {:>12} {:>10} {:>10}  {}\n", "ID", "BACKEND", "USED_KiB",
               "LIMIT_KiB", "INODES", "ILIMIT", "DIRECTORY");
    for (auto& u : *usage)
        fmt::print("{:<10} {:<14} {:>12} {:>12} {:>10} {:>10}  {}\n", u.id,
                   store::backend_name(u.backend), u.space_used_bytes / 1024,
                   u.space_limit_bytes ? std::to_string(u.space_limit_bytes / 1024) : "-",
                   u.inodes_counted ? std::to_string(u.inodes_used) : "-",
                   u.inodes_limit ? std::to_string(u.inodes_limit) : "-", u.directory);
    return kOk;
}

RegisterGuestCommand reg("dlimit",
                         {"show disk limits and usage (dlimits/); --apply sets them now",
                          "usage: vserver NAME dlimit [--apply] [--json]\n"
                          "  --apply  set the configured limits now\n"
                          "  --json   print the usage as JSON\n",
                          {"--apply", "--json"}},
                         cmd_dlimit);

}  // namespace

}  // namespace vs::cli
