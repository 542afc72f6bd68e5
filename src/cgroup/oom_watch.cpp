// OOM kill notification of a guest's memory cgroup.
#include "cgroup/oom_watch.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/sys.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/manager.hpp"

namespace vs::cgroup {

Result<OomWatch> OomWatch::open(const Manager& cg) {
    std::string dir = cg.controller_path("memory");
    if (dir.empty()) return make_error(ENOENT, "no memory controller for this cgroup");
    OomWatch w;
    if (sys::exists(dir + "/memory.events")) {
        // cgroup v2: memory.events is modified (and inotify told, cgroup-v2.rst "modified
        // events") whenever one of its counters moves.
        w.events_ = dir + "/memory.events";
        int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0) return errno_error("inotify_init1");
        w.fd_ = UniqueFd(fd);
        if (::inotify_add_watch(fd, w.events_.c_str(), IN_MODIFY) < 0)
            return errno_error(fmt::format("inotify_add_watch \"{}\"", w.events_));
        w.last_ = VS_TRY(fs::read_key(w.events_, "oom_kill")).value_or(0);
        return w;
    }
    // cgroup v1: "<eventfd> <fd of memory.oom_control>" written to cgroup.event_control makes
    // the eventfd count each OOM of the cgroup (cgroup-v1/memory.rst, section 9). Closing the
    // eventfd removes the registration.
    std::string control = dir + "/memory.oom_control";
    w.control_ = VS_TRY(sys::open(control, O_RDONLY | O_CLOEXEC));
    int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) return errno_error("eventfd");
    w.fd_ = UniqueFd(efd);
    VS_TRY(sys::write_file(dir + "/cgroup.event_control",
                           fmt::format("{} {}", w.fd_.get(), w.control_.get())));
    return w;
}

Result<uint64_t> OomWatch::take() {
    if (events_.empty()) {
        uint64_t n = 0;
        if (::read(fd_.get(), &n, sizeof n) == sizeof n) return n;
        if (errno == EAGAIN) return uint64_t{0};
        return errno_error("read the OOM eventfd");
    }
    char buf[4096];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
    // The cgroup may be gone by now (the container deleted): nothing more to count.
    auto v = fs::read_key(events_, "oom_kill");
    if (!v)
        return v.error().code == ENOENT || v.error().code == ENODEV ? Result<uint64_t>(0)
                                                                    : v.error();
    uint64_t now = v->value_or(last_);
    uint64_t n = now > last_ ? now - last_ : 0;
    last_ = now;
    return n;
}

}  // namespace vs::cgroup
