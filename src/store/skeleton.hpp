// The skeleton build method: a minimal guest made of busybox-static, needing no network.
#pragma once

#include <string>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::store {

/// The static busybox used by skeleton ($VSERVER_BUSYBOX, else /bin/busybox). It must be a
/// static binary: a dynamic one would need the host's libraries inside the guest.
std::string busybox_path();

/// The init style a skeleton guest gets unless --initstyle says otherwise: sysv, i.e. the
/// project's vs-init as PID 1 running /etc/init.d/rc (start shows its output and waits for it;
/// stop runs "rc 6"). A skeleton runs no services, and vs-init exits as soon as its children are
/// gone, while busybox init, on the SIGTERM of stop, sleeps a second after signalling everything
/// with SIGTERM and another after SIGKILL: two idle seconds on every stop.
inline constexpr spec::InitStyle kSkeletonInitStyle = spec::InitStyle::Sysv;

/// Checks that `path` is an ELF executable without a PT_INTERP (i.e. statically linked).
Status check_static_elf(const std::string& path);

/// Fills the empty directory `root` with: the FHS directories, /bin/busybox and its applet
/// links (`busybox --list-full`), /etc/{passwd,group,shadow,hostname,hosts,inittab,profile},
/// /etc/init.d/rc RUNLEVEL (runs /etc/rcN.d/K* stop then S* start: what the sysv style's vs-init
/// runs), and /sbin/init (busybox init, for --initstyle plain: its inittab runs
/// /etc/init.d/rcS, i.e. "rc 3", and then it stays PID 1).
Status fill_skeleton(const std::string& root, const spec::GuestSpec& spec);

}  // namespace vs::store
