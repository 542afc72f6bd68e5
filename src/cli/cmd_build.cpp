// `vserver NAME build -m METHOD [options] -- [method args]`.
#include "base/log.hpp"
#include "cli/build_args.hpp"
#include "cli/registry.hpp"
#include "runtime/runtime.hpp"
#include "store/build.hpp"

namespace vs::cli {

namespace {

int cmd_build(GuestCommand& c) {
    auto req = parse_build_args(c.guest, c.args);
    if (!req) {
        log::error("{}", req.error().what());
        return kUsage;
    }
    if (auto p = store::prepare_build(c.paths, *req); !p) {
        log::error("{}", p.error().what());
        return kUsage;
    }
    // --force replaces files; it never pulls the root out from under running processes.
    if (req->force) {
        auto st = runtime::status(c.paths, c.guest);
        if (st && st->status != state::RunStatus::Stopped) {
            log::error("build: guest {} is running; stop it before replacing it with --force",
                       c.guest);
            return kFail;
        }
    }
    // An address another guest is configured with or holds, or that the host has, is refused
    // before anything is created.
    if (!req->spec.interfaces.empty()) {
        if (auto n = runtime::check_addresses(c.paths, req->spec); !n) {
            log::error("build: {}", n.error().what());
            return kFail;
        }
    }
    const bool classic = !req->spec.ns.user;
    auto r = store::build_prepared(c.paths, std::move(*req));
    if (!r) {
        log::error("{}", r.error().what());
        return kFail;
    }
    log::info("built guest {} (root {}{}{})", c.guest, r->root,
              r->context ? fmt::format(", context {}", r->context) : std::string(),
              r->subvolume ? ", btrfs subvolume" : "");
    // The admin asked for it, but should see what it gives away (docs/security.md).
    if (classic)
        log::warn(
            "build: {} is a classic guest (--no-userns): its root is host root, kernel uid 0, "
            "so it is not root-safe and can use up host root's per-uid kernel limits (inotify "
            "instances and watches); without --no-userns it is bounded (docs/security.md)",
            c.guest);
    return kOk;
}

constexpr const char* kUsage =
    "usage: vserver NAME build -m METHOD [OPTIONS] [-- METHOD-ARGS]\n"
    "  -m, --method skeleton|template|debootstrap|clone|rsync\n"
    "  --hostname NAME         the guest's nodename\n"
    "  --interface [NAME=][DEV:]IP[/PREFIX]  an address (repeatable)\n"
    "  --netdev DEV            default device of the addresses\n"
    "  --netprefix PREFIX      default prefix (or --netmask MASK)\n"
    "  --context XID           context number, 2..49151 (default: allocated)\n"
    "  --flags FLAG,...        context flags\n"
    "  --initstyle plain|sysv|systemd|reaper  how the guest boots\n"
    "  --rootdir DIR           where the root goes (default: the vservers dir)\n"
    "  --userns, --no-userns   with or without a user namespace\n"
    "  --force                 replace an existing (stopped) guest\n"
    "method arguments after --:\n"
    "  template:    -t ARCHIVE [-t ARCHIVE...] [--nodevsanity]\n"
    "  debootstrap: -d DIST [-m MIRROR] [-- DEBOOTSTRAP-OPTIONS]\n"
    "  clone:       --source GUEST|DIR [--layered]\n"
    "               --layered: the root is an overlay of a frozen base shared by the clones\n"
    "               of one state of the source, and the guest's own changes (XFS with reflink\n"
    "               or btrfs; docs/unification.md \"Layered clones\")\n"
    "  rsync:       --source DIR [-o RSYNC-OPT]... [-- RSYNC-OPTIONS]\n";

RegisterGuestCommand reg("build",
                         {"create a guest: build -m skeleton|template|debootstrap|clone|rsync "
                          "[options] -- [method args]",
                          kUsage,
                          {"-m", "--method", "--hostname", "--interface", "--netdev", "--netprefix",
                           "--netmask", "--context", "--flags", "--initstyle", "--rootdir",
                           "--force", "--userns", "--no-userns", "--debug"}},
                         cmd_build);

}  // namespace

}  // namespace vs::cli
