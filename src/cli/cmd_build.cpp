// `vserver NAME build -m METHOD [options] -- [method args]`.
#include "base/log.hpp"
#include "cli/build_args.hpp"
#include "cli/registry.hpp"
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
    auto r = store::build_prepared(c.paths, std::move(*req));
    if (!r) {
        log::error("{}", r.error().what());
        return kFail;
    }
    log::info("built guest {} (root {}{}{})", c.guest, r->root,
              r->context ? fmt::format(", context {}", r->context) : std::string(),
              r->subvolume ? ", btrfs subvolume" : "");
    return kOk;
}

RegisterGuestCommand reg("build", "create a guest: build -m skeleton|template|debootstrap|clone|rsync "
                                  "[options] -- [method args]",
                         cmd_build);

}  // namespace

}  // namespace vs::cli
