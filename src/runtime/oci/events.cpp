// `vsrun events`: the stats and OOM event stream of a container, in runc's JSON shapes.
#include <poll.h>
#include <time.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cgroup/manager.hpp"
#include "cgroup/oom_watch.hpp"
#include "runtime/oci/oci.hpp"

namespace vs::runtime::oci {

namespace {

uint64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

}  // namespace

Status events(const Options& opt, const std::string& id, uint64_t interval_ms,
              const std::function<void(const std::string&)>& emit) {
    VS_TRY(check_id(id));
    std::string dir = container_dir(opt, id);
    auto rec = VS_TRY(load(dir, id));
    if (state_of(rec, dir) == State::Stopped)
        return make_error(EINVAL, "container not running: {}", id);
    // Stats and OOM kills come from the cgroup a rootless container may lack (create.cpp).
    if (rec.cgroup_name.empty()) return no_cgroup("events of", id);
    cgroup::Options o;
    o.parent = rec.cgroup_parent;
    o.name = rec.cgroup_name;
    auto cg = VS_TRY(cgroup::open(o));
    // Opened before the first stats event: a kill from then on is reported.
    auto watch = cgroup::OomWatch::open(*cg);
    if (!watch) log::debug("container {}: no OOM events: {}", id, watch.error().what());
    const std::string oom = nlohmann::json{{"type", "oom"}, {"id", id}}.dump();
    auto report_ooms = [&] {
        if (!watch) return;
        auto n = watch->take();
        if (!n) {
            log::warn("container {}: {}", id, n.error().what());
            return;
        }
        for (uint64_t i = 0; i < *n; ++i) emit(oom);
    };
    uint64_t next = now_ms();
    for (;;) {
        if (now_ms() >= next) {
            auto e = stats_event(opt, id);
            if (!e) break;  // stopped (or gone) meanwhile
            emit(*e);
            next = now_ms() + interval_ms;
        }
        // Woken by an OOM at once; else at the next stats event, or within a second to notice
        // that the container stopped.
        uint64_t wait = std::min<uint64_t>(next - std::min(next, now_ms()), 1000);
        struct pollfd p = {watch ? watch->fd() : -1, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(wait)) < 0 && errno != EINTR) return errno_error("poll");
        report_ooms();
        if (state_of(rec, dir) == State::Stopped) break;
    }
    // An OOM kill that ended the container is reported before the stream ends.
    report_ooms();
    return ok();
}

}  // namespace vs::runtime::oci
