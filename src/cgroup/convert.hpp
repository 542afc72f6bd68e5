// Unit conversions between cgroup v2 and v1 knobs (weights), shared by the backends and the
// config front-ends that read legacy v1 values (cgroup/cpu.shares, OCI cpu.shares).
#pragma once

#include <cstdint>

namespace vs::cgroup {

/// cpu.weight (1..10000, default 100) -> cpu.shares (2..262144, default 1024). Linear through
/// the two defaults (x 10.24), unlike OCI runtimes' 1..10000 <-> 2..262144 stretch, so that
/// a default guest gets the default on both versions and shares -> weight -> shares is stable.
uint64_t shares_from_weight(uint64_t weight);
/// cpu.shares -> cpu.weight, the inverse of shares_from_weight (clamped to 1..10000).
uint64_t weight_from_shares(uint64_t shares);
/// io.weight (1..10000) -> blkio.weight (10..1000), the linear map OCI runtimes use.
uint64_t blkio_weight_from_io_weight(uint64_t weight);
/// blkio.weight (10..1000) -> io.weight (1..10000).
uint64_t io_weight_from_blkio_weight(uint64_t weight);

}  // namespace vs::cgroup
