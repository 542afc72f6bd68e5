// Fault points for the crash tests: VSERVER_FAULT=<point>:kill SIGKILLs this process at that
// point; <point>:fail makes it fail there. Compiled out with -DVS_NO_FAULT_INJECTION.
#pragma once

#include "base/result.hpp"

namespace vs::runtime {

/// Points: start: after-lock, after-state, after-cgroup, after-spawn, after-net, after-exec;
/// stop: after-lock, stopping, after-kill.
Status fault_point(const char* point);

}  // namespace vs::runtime
