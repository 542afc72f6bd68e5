// `vserver NAME receive`: the far side of `vserver-copy SRC HOST:NAME`, started by it over ssh.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "cli/transfer_args.hpp"
#include "runtime/runtime.hpp"
#include "transfer/receive.hpp"

namespace vs::cli {

namespace {

constexpr const char* kUsageText =
    "usage: vserver NAME receive --from SRC [--refresh] [--keep-ip | --ip ADDR... | --no-ip]\n"
    "                            [--rootdir DIR] [--domain DOMAIN]\n"
    "  the far side of `vserver-copy SRC HOST:NAME`, run by it over ssh; speaks a line\n"
    "  protocol on stdin and stdout (docs/transfer.md), not meant to be run by hand\n"
    "  --from SRC   the source guest's name (a hostname equal to it becomes NAME)\n"
    "  --refresh    update the existing, stopped guest NAME's root; its config is kept\n"
    "  --keep-ip    keep the sent config's addresses (a migration)\n"
    "  --ip ADDR    the new guest's address (repeatable); --no-ip: none\n"
    "  --rootdir DIR     the new guest's root is DIR/NAME\n"
    "  --domain DOMAIN   rewrite its /etc/hostname and /etc/hosts (NAME.DOMAIN, first address)\n";

int cmd_receive(GuestCommand& c) {
    std::vector<std::string> rest;
    transfer::ReceiveOptions opt;
    bool keep_ip = false;
    for (size_t i = 0; i < c.args.size(); ++i) {
        if (c.args[i] == "--from" && i + 1 < c.args.size()) {
            opt.from = c.args[++i];
        } else if (c.args[i] == "--rootdir" && i + 1 < c.args.size()) {
            opt.rootdir = c.args[++i];
        } else if (c.args[i] == "--domain" && i + 1 < c.args.size()) {
            opt.domain = c.args[++i];
        } else if (c.args[i] == "--keep-ip") {
            keep_ip = true;
        } else {
            rest.push_back(c.args[i]);
        }
    }
    auto t = parse_transfer_args("receive", rest, {"--refresh"});
    if (!t) {
        log::error("{}", t.error().message);
        return kUsage;
    }
    if (!t->positional.empty() || opt.from.empty() || (keep_ip && t->interfaces)) {
        log::error(
            "receive: bad arguments (usage: vserver NAME receive --from SRC [--refresh] "
            "[--keep-ip | --ip ADDR... | --no-ip])");
        return kUsage;
    }
    opt.refresh = !t->flags.empty();
    if (!keep_ip) opt.interfaces = t->interfaces.value_or(std::vector<spec::Interface>{});
    transfer::ReceiveHooks hooks;
    hooks.start = [&](const spec::GuestSpec& s) { return runtime::start(c.paths, s); };
    hooks.remove = [&](const spec::GuestSpec& s) { return runtime::remove(c.paths, s); };
    // The protocol owns stdout: anything else printed to fd 1 (by us or a child) goes to
    // stderr, which ssh shows the admin.
    int proto = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (proto < 0 || ::dup2(2, 1) < 0) {
        log::error("receive: dup stdout: {}", std::strerror(errno));
        return kFail;
    }
    auto r = transfer::receive(c.paths, c.guest, opt, hooks, 0, proto);
    ::close(proto);
    if (!r) {
        log::error("{}", r.error().what());
        return r.error().code == EEXIST || r.error().code == ENOENT ? kUsage : kFail;
    }
    return kOk;
}

RegisterGuestCommand reg("receive",
                         CommandDoc{"the far side of vserver-copy to another host (run over ssh)",
                                    kUsageText,
                                    {"--from", "--refresh", "--keep-ip", "--ip", "--no-ip",
                                     "--rootdir", "--domain"}},
                         cmd_receive);

}  // namespace

}  // namespace vs::cli
