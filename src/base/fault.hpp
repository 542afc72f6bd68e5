// Fault points for the crash and race tests: VSERVER_FAULT=<point>:kill SIGKILLs this process at
// that point; <point>:fail makes it fail there; <point>:stop SIGSTOPs it there (the test changes
// what it wants, then sends SIGCONT). A spec ending in @SUBJECT fires only where the point is
// passed that subject. Compiled out with -DVS_NO_FAULT_INJECTION.
#pragma once

#include <string_view>

#include "base/result.hpp"

namespace vs {

/// The points are listed where they are used: runtime/guest.hpp (start, stop), store/build.hpp
/// (build), store/guest_root.cpp (root:parent-opened, subject the attempt), base/sys.cpp's
/// mkdir_p (mkdir:parent-ready, subject the level about to be made, its parent made or found),
/// runtime/oci/create_steps.hpp (vsrun create: oci-handover, oci-guarded); unification (subject:
/// the file's host path) has unify:hashed (a file hashed, not yet checked) and unify:sharing (every
/// file hashed, nothing shared yet) in unify/hashify.cpp, unify:exchange (before a name exchange,
/// swap_in() in unify/file_ops.cpp, or a dedupe, unify/method.cpp) and unify:swapped, unify:seal
/// (the shared inode's names exchanged; flagged immutable) in unify/share_hardlink.cpp's seal();
/// consoled:watch fails vs-consoled's epoll add of a guest's pty (runtime/console_daemon*).
Status fault_point(const char* point, std::string_view subject = {});

}  // namespace vs
