// vpstree [-a] [--json] [NAME|XID|MAIN]: the process tree with guest labels, whole host or one
// guest.
#include <fmt/format.h>

#include "base/log.hpp"
#include "cli/registry.hpp"
#include "procview/snapshot.hpp"
#include "procview/tree.hpp"
#include "procview/tree_json.hpp"

namespace vs::cli {
namespace {

constexpr const char* kHelp =
    "usage: vpstree [-a] [--json] [NAME|XID|MAIN]\n"
    "  the process tree; each process whose context differs from its parent's is\n"
    "  labelled [xid name]. With a guest: only that guest's processes. -a: command lines.\n"
    "  --json: the same forest as nested objects (docs/json/vpstree.schema.json).\n";

int vpstree_main(std::vector<std::string>& args) {
    std::optional<std::string> who;
    procview::TreeOptions to;
    bool json = false;
    for (auto& a : args) {
        if (a == "--json") {
            json = true;
        } else if (a == "-a" || a == "--arguments") {
            to.cmdline = true;
        } else if (a == "-h" || a == "--help") {
            fmt::print("{}", kHelp);
            return kOk;
        } else if (!a.empty() && a[0] == '-') {
            log::error("unknown option \"{}\"", a);
            return kUsage;
        } else if (who) {
            log::error("one guest at a time (got \"{}\" and \"{}\")", *who, a);
            return kUsage;
        } else {
            who = a;
        }
    }
    procview::XidCache xids(config::Paths::from_env());
    procview::ScanOptions so;
    so.cmdline = to.cmdline;
    auto snap = procview::take_snapshot(xids, so);
    if (!snap) {
        log::error("{}", snap.error().what());
        return kFail;
    }
    if (who) {
        auto r = procview::resolve_context(snap->members, *who);
        if (!r) {
            log::error("{}", r.error().what());
            return kFail;
        }
        to.only = *r;
    }
    if (json) {
        auto j = procview::tree_json(snap->procs, snap->members, to);
        fmt::print("{}\n", j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
        return kOk;
    }
    fmt::print("{}", procview::render_tree(snap->procs, snap->members, to));
    return kOk;
}

RegisterTool reg("vpstree",
                 {"the process tree with guest labels", kHelp, {"-a", "--arguments", "--json"}},
                 vpstree_main);

}  // namespace
}  // namespace vs::cli
