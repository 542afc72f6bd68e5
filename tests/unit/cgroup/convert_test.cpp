// cgroup weight conversions between v1 and v2.
#include <gtest/gtest.h>

#include "cgroup/convert.hpp"

using namespace vs::cgroup;

TEST(Convert, CpuDefaultsMapToEachOther) {
    EXPECT_EQ(shares_from_weight(100), 1024u);
    EXPECT_EQ(weight_from_shares(1024), 100u);
}

TEST(Convert, CpuRangesStayInKernelBounds) {
    EXPECT_EQ(shares_from_weight(1), 10u);
    EXPECT_EQ(shares_from_weight(10000), 102400u);
    EXPECT_EQ(shares_from_weight(0), 10u);  // clamped to weight 1
    EXPECT_EQ(weight_from_shares(2), 1u);
    EXPECT_EQ(weight_from_shares(262144), 10000u);
    EXPECT_EQ(weight_from_shares(1000000), 10000u);
    for (uint64_t w : {1u, 50u, 100u, 500u, 10000u})
        EXPECT_EQ(weight_from_shares(shares_from_weight(w)), w);
}

TEST(Convert, IoWeightEnds) {
    EXPECT_EQ(blkio_weight_from_io_weight(1), 10u);
    EXPECT_EQ(blkio_weight_from_io_weight(10000), 1000u);
    EXPECT_EQ(io_weight_from_blkio_weight(10), 1u);
    EXPECT_EQ(io_weight_from_blkio_weight(1000), 10000u);
}
