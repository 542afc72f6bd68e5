// Linux capability names <-> numbers, bounding-set lists (bcapabilities) and the default set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::spec {

/// Bit for capability `n` in a 64-bit set.
constexpr uint64_t cap_bit(int n) { return uint64_t{1} << n; }

/// "CAP_NET_RAW", "net_raw", "Net_Raw" -> 13. Case-insensitive, CAP_ prefix optional.
std::optional<int> cap_from_name(std::string_view name);
/// 13 -> "NET_RAW" (no prefix, upper case); "" for an unknown number.
std::string cap_name(int n);
/// Highest capability number we know (CAP_LAST_CAP of the headers we build with).
int cap_last();
/// Every known capability.
uint64_t cap_all();

/// util-vserver's default "secure" bounding set (vattribute --secure, reference §3.4) plus
/// SYS_BOOT: reboot(2) inside a pid namespace only ends that namespace's init (pid_namespaces(7)).
uint64_t default_bounding_set();

/// Applies a bcapabilities-style list to `set`: one name per line or whitespace-separated,
/// `!NAME`/`~NAME` clears, `all`/`any`/`none`, a number or `^N` means bit N. `what` names the
/// source for errors ("" when the caller wraps the error itself): `bcapabilities: unknown
/// capability "FOO"`.
Result<uint64_t> apply_cap_list(uint64_t set, std::string_view text, std::string_view what);

/// The list that turns `base` into `set`: "NET_RAW\n!CHOWN\n" (empty when equal).
std::string cap_list_diff(uint64_t base, uint64_t set);

/// "CHOWN,KILL,..." for messages and status output.
std::string cap_set_names(uint64_t set);

}  // namespace vs::spec
