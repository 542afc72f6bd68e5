// Fault injection for tests: reads VSERVER_FAULT at each point.
#include "base/fault.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace vs {

Status fault_point(const char* point) {
#ifndef VS_NO_FAULT_INJECTION
    const char* env = std::getenv("VSERVER_FAULT");
    if (!env) return ok();
    std::string want(env), p(point);
    if (want == p + ":kill") ::kill(::getpid(), SIGKILL);
    if (want == p + ":fail") return make_error(EIO, "injected fault at {}", p);
#else
    (void)point;
#endif
    return ok();
}

}  // namespace vs
