// cgroup v1 freezer controller: stop and resume every task of the guest.
#include <cerrno>
#include <chrono>
#include <thread>

#include "cgroup/cgroupfs.hpp"
#include "cgroup/v1/controllers.hpp"

namespace vs::cgroup::v1 {

Status freeze(const std::string& dir, bool frozen, int wait_ms) {
    const std::string file = dir + "/freezer.state";
    const char* want = frozen ? "FROZEN" : "THAWED";
    VS_TRY(fs::write(file, want));
    if (wait_ms <= 0) return ok();
    // Freezing is asynchronous: the state reads FREEZING until every task stopped
    // (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
        auto state = VS_TRY(fs::read_trimmed(file));
        if (state == want) return ok();
        if (std::chrono::steady_clock::now() > deadline)
            return make_error(ETIMEDOUT, "freeze \"{}\": still {} after {} ms", file, state,
                              wait_ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

}  // namespace vs::cgroup::v1
