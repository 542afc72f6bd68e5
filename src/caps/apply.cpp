// caps: bounding/ambient/inheritable/permitted/effective sets and securebits
// for the guest child.
#include "caps/apply.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "caps/cap_set.hpp"

namespace vs::caps {

namespace {

std::string cap_label(int cap) {
    char* n = cap_to_name(static_cast<cap_value_t>(cap));
    std::string s = n ? n : fmt::format("cap_{}", cap);
    if (n) cap_free(n);
    return fmt::format("{} ({})", s, cap);
}

}  // namespace

Result<int> kernel_last_cap() {
    auto text = VS_TRY(sys::read_file("/proc/sys/kernel/cap_last_cap"));
    auto parsed = str::parse_u64(text);
    int v = parsed && *parsed <= 63 ? static_cast<int>(*parsed) : -1;
    // 63 is the most a 64-bit mask (and /proc/PID/status) can express.
    if (v < 0 || v > 63)
        return make_error(EINVAL, "parse /proc/sys/kernel/cap_last_cap \"{}\"", str::trim(text));
    return v;
}

Result<uint64_t> kernel_mask() {
    int last = VS_TRY(kernel_last_cap());
    return last == 63 ? ~uint64_t{0} : ((uint64_t{1} << (last + 1)) - 1);
}

Status apply_in_child(const spec::Caps& caps) {
    const int last = VS_TRY(kernel_last_cap());
    const uint64_t known = last == 63 ? ~uint64_t{0} : ((uint64_t{1} << (last + 1)) - 1);
    const uint64_t keep = caps.bounding & known;

    // 1. Bounding set first: dropping needs CAP_SETPCAP in the effective set,
    // which step 4 may
    //    remove. It is the ceiling for every later execve, setuid-root or
    //    file-capability binary.
    for (int c = 0; c <= last; ++c) {
        if (keep & (uint64_t{1} << c)) continue;
        if (cap_drop_bound(static_cast<cap_value_t>(c)) != 0)
            return errno_error(fmt::format("drop {} from the bounding set", cap_label(c)));
    }

    // 2. Ambient: anything raised here would survive execve of non-setuid
    // programs run by a
    //    non-root guest user. One PR_CAP_AMBIENT_CLEAR_ALL (Linux 4.3+): libcap's
    //    cap_reset_ambient first reads every capability's ambient bit, ~40 system calls
    //    per start.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return errno_error("clear the ambient capability set");

    // 5 (before 3/4: changing securebits needs CAP_SETPCAP). Root semantics for a
    // full-system
    //    guest: no NOROOT, no NO_SETUID_FIXUP, no KEEP_CAPS inherited from
    //    whoever started us.
    if (unsigned bits = cap_get_secbits(); bits != 0 && cap_set_secbits(0) != 0)
        return errno_error(fmt::format("reset securebits 0x{:x} to 0", bits));

    // 3 + 4. Inheritable empty (file inheritable bits can then never add
    // anything);
    //    permitted = effective = what the bounding set keeps of what we hold now.
    CapSet cur(cap_get_proc());
    if (!cur) return errno_error("read the process capability sets");
    CapSet next(cap_init());
    if (!next) return errno_error("allocate a capability set");
    for (int c = 0; c <= last; ++c) {
        if (!(keep & (uint64_t{1} << c))) continue;
        cap_flag_value_t held = CAP_CLEAR;
        if (cap_get_flag(cur.get(), static_cast<cap_value_t>(c), CAP_PERMITTED, &held) != 0)
            return errno_error(fmt::format("query {} in the permitted set", cap_label(c)));
        if (held != CAP_SET) continue;
        cap_value_t v = static_cast<cap_value_t>(c);
        if (cap_set_flag(next.get(), CAP_PERMITTED, 1, &v, CAP_SET) != 0 ||
            cap_set_flag(next.get(), CAP_EFFECTIVE, 1, &v, CAP_SET) != 0)
            return errno_error(fmt::format("add {} to the new capability set", cap_label(c)));
    }
    if (cap_set_proc(next.get()) != 0)
        return errno_error(
            fmt::format("set permitted=effective={} inheritable=0", format_mask(keep)));
    return ok();
}

}  // namespace vs::caps
