// cgroup v2 freezer (cgroup.freeze): stop and resume every task of the guest.
#include <cerrno>
#include <chrono>
#include <thread>

#include "cgroup/cgroupfs.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup::v2 {

Status freeze(const std::string& dir, bool frozen, int wait_ms) {
    VS_TRY(fs::write(dir + "/cgroup.freeze", frozen ? "1" : "0"));
    if (wait_ms <= 0) return ok();
    // The freeze completes asynchronously; cgroup.events "frozen" reports it (cgroup-v2.rst).
    const std::string events = dir + "/cgroup.events";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
        auto v = VS_TRY(fs::read_key(events, "frozen"));
        if (v && (*v != 0) == frozen) return ok();
        if (std::chrono::steady_clock::now() > deadline)
            return make_error(ETIMEDOUT, "freeze \"{}\": not {} after {} ms", dir,
                              frozen ? "frozen" : "thawed", wait_ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

}  // namespace vs::cgroup::v2
