// Weight conversions between cgroup v1 and v2.
#include "cgroup/convert.hpp"

#include <algorithm>

namespace vs::cgroup {

uint64_t shares_from_weight(uint64_t weight) {
    weight = std::clamp<uint64_t>(weight, 1, 10000);
    return std::clamp<uint64_t>((weight * 1024 + 50) / 100, 2, 262144);
}

uint64_t weight_from_shares(uint64_t shares) {
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return std::clamp<uint64_t>((shares * 100 + 512) / 1024, 1, 10000);
}

uint64_t blkio_weight_from_io_weight(uint64_t weight) {
    weight = std::clamp<uint64_t>(weight, 1, 10000);
    return 10 + (weight - 1) * 990 / 9999;
}

uint64_t io_weight_from_blkio_weight(uint64_t weight) {
    weight = std::clamp<uint64_t>(weight, 10, 1000);
    return 1 + (weight - 10) * 9999 / 990;
}

}  // namespace vs::cgroup
