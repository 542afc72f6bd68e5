// `vserver SRC copy DEST` and `vserver-copy SRC DEST`: a local copy of a stopped guest.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "cli/transfer_args.hpp"
#include "transfer/copy.hpp"

namespace vs::cli {

namespace {

constexpr const char* kUsageText =
    "usage: vserver-copy SRC DEST [--ip ADDR]... [--no-ip] [--json] [-q]\n"
    "       vserver SRC copy DEST [...]\n"
    "  --ip ADDR     the copy's address (repeatable; build's --interface syntax)\n"
    "  --no-ip       no interfaces (the default: an address is never duplicated)\n"
    "  --json        a JSON summary on stdout\n"
    "  -q, --quiet   no summary\n";

int run_copy(const std::string& src, const std::vector<std::string>& args,
             const config::Paths& paths) {
    auto t = parse_transfer_args("copy", args, {});
    if (!t) {
        log::error("{}", t.error().message);
        return kUsage;
    }
    if (t->positional.size() != 1) {
        log::error("copy: one destination name expected ({})",
                   "usage: vserver-copy SRC DEST [--ip ADDR]... [--no-ip]");
        return kUsage;
    }
    const std::string& dest = t->positional[0];
    if (dest.find(':') != std::string::npos) {
        log::error("copy {}: \"{}\": copies to another host are not available in this version", src,
                   dest);
        return kUsage;
    }
    transfer::CopyOptions opt;
    opt.interfaces = t->interfaces;
    auto r = transfer::copy_local(paths, src, dest, opt);
    if (!r) {
        const int code = r.error().code;
        log::error("{}", r.error().what());
        return code == EINVAL || code == ENOENT || code == EEXIST || code == EBUSY ? kUsage : kFail;
    }
    if (t->json) {
        fmt::print("{}\n", nlohmann::json({{"source", src},
                                           {"guest", r->name},
                                           {"context", r->context},
                                           {"root", r->root},
                                           {"config_dir", r->config_dir},
                                           {"method", transfer::copy_method_name(r->method)},
                                           {"seconds", r->seconds},
                                           {"dropped_config_files", r->dropped}})
                               .dump());
    } else if (!t->quiet) {
        fmt::print("copied {} to {} (context {}, {}) in {:.2f} s\n", src, r->name, r->context,
                   transfer::copy_method_name(r->method), r->seconds);
    }
    return kOk;
}

int cmd_copy(GuestCommand& c) { return run_copy(c.guest, c.args, c.paths); }

int tool_copy(std::vector<std::string>& args) {
    if (args.empty() || args[0].rfind("-", 0) == 0) {
        log::error("usage: vserver-copy SRC DEST [--ip ADDR]... [--no-ip] [--json] [-q]");
        return kUsage;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    return run_copy(args[0], rest, config::Paths::from_env());
}

const std::vector<std::string> kOptions = {"--ip", "--no-ip", "--json", "-q", "--quiet"};

RegisterGuestCommand reg("copy",
                         CommandDoc{"copy the stopped guest to a new guest DEST (new context, "
                                    "hostname; addresses only with --ip)",
                                    kUsageText, kOptions},
                         cmd_copy);
RegisterTool tool("vserver-copy",
                  CommandDoc{"copy a stopped guest to a new guest on this host", kUsageText,
                             kOptions},
                  tool_copy);

}  // namespace

}  // namespace vs::cli
