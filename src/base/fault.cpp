// Fault injection for tests: reads VSERVER_FAULT at each point.
#include "base/fault.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace vs {

Status fault_point(const char* point, std::string_view subject) {
#ifndef VS_NO_FAULT_INJECTION
    const char* env = std::getenv("VSERVER_FAULT");
    if (!env) return ok();
    std::string_view want(env);
    // The subject follows the first '@': points and actions have none, a path may.
    if (auto at = want.find('@'); at != std::string_view::npos) {
        if (want.substr(at + 1) != subject) return ok();
        want = want.substr(0, at);
    }
    std::string p(point);
    if (want == p + ":kill") ::kill(::getpid(), SIGKILL);
    if (want == p + ":fail") return make_error(EIO, "injected fault at {}", p);
    // Sent to this thread (raise(3) is tgkill), so this thread stops before its next step; the
    // group stop then stops every other thread too (signal(7)), until SIGCONT.
    if (want == p + ":stop") ::raise(SIGSTOP);
#else
    (void)point;
    (void)subject;
#endif
    return ok();
}

}  // namespace vs
