// Fault points for the crash tests: VSERVER_FAULT=<point>:kill SIGKILLs this process at that
// point; <point>:fail makes it fail there. Compiled out with -DVS_NO_FAULT_INJECTION.
#pragma once

#include "base/result.hpp"

namespace vs {

/// The points are listed where they are used: runtime/guest.hpp (start, stop),
/// store/build.hpp (build); unify:swapped and unify:seal are in unify/share_hardlink.cpp's seal();
/// consoled:watch fails vs-consoled's epoll add of a guest's pty (runtime/console_daemon*).
Status fault_point(const char* point);

}  // namespace vs
