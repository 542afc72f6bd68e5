// The skeleton build method: a minimal guest made of busybox-static, needing no network.
#pragma once

#include <string>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::store {

/// The static busybox used by skeleton ($VSERVER_BUSYBOX, else /bin/busybox). It must be a
/// static binary: a dynamic one would need the host's libraries inside the guest.
std::string busybox_path();

/// Checks that `path` is an ELF executable without a PT_INTERP (i.e. statically linked).
Status check_static_elf(const std::string& path);

/// Fills the empty directory `root` with: the FHS directories, /bin/busybox and its applet
/// links (`busybox --list-full`), /etc/{passwd,group,shadow,hostname,hosts,inittab,profile},
/// /sbin/init (busybox init, whose inittab runs /etc/init.d/rcS and then just stays PID 1), and
/// /etc/init.d/rc RUNLEVEL (sysv style: runs /etc/rcN.d/K* stop then S* start).
Status fill_skeleton(const std::string& root, const spec::GuestSpec& spec);

}  // namespace vs::store
