// RangeSet: overlapping, touching and nested ranges count each byte once.
#include "diskusage/range_set.hpp"

#include <gtest/gtest.h>

#include <limits>

using vs::diskusage::RangeSet;

TEST(RangeSet, DisjointRangesAddUp) {
    RangeSet s;
    EXPECT_EQ(s.add(0, 4096), 4096u);
    EXPECT_EQ(s.add(8192, 4096), 4096u);
    EXPECT_EQ(s.bytes(), 8192u);
    EXPECT_EQ(s.pieces(), 2u);
}

TEST(RangeSet, TheSameRangeTwiceCountsOnce) {
    RangeSet s;
    EXPECT_EQ(s.add(1 << 20, 10 << 20), 10u << 20);
    EXPECT_EQ(s.add(1 << 20, 10 << 20), 0u);
    EXPECT_EQ(s.bytes(), 10u << 20);
}

TEST(RangeSet, OverlapsCountOnlyTheNewPart) {
    RangeSet s;
    s.add(100, 100);                  // [100,200)
    EXPECT_EQ(s.add(150, 100), 50u);  // [150,250): 200..250 new
    EXPECT_EQ(s.add(50, 100), 50u);   // [50,150): 50..100 new
    EXPECT_EQ(s.add(120, 10), 0u);    // inside
    EXPECT_EQ(s.bytes(), 200u);       // [50,250)
    EXPECT_EQ(s.pieces(), 1u);
}

TEST(RangeSet, ARangeBridgingSeveralMergesThem) {
    RangeSet s;
    s.add(0, 10);
    s.add(20, 10);
    s.add(40, 10);
    EXPECT_EQ(s.add(5, 40), 20u);  // [5,45) covers the gaps 10..20 and 30..40
    EXPECT_EQ(s.pieces(), 1u);
    EXPECT_EQ(s.bytes(), 50u);
}

TEST(RangeSet, TouchingRangesMerge) {
    RangeSet s;
    s.add(0, 10);
    EXPECT_EQ(s.add(10, 10), 10u);
    EXPECT_EQ(s.pieces(), 1u);
}

TEST(RangeSet, OverlapsIsExact) {
    RangeSet s;
    s.add(100, 100);
    EXPECT_FALSE(s.overlaps(0, 100));   // ends where the range starts
    EXPECT_FALSE(s.overlaps(200, 10));  // starts where it ends
    EXPECT_TRUE(s.overlaps(199, 1));
    EXPECT_TRUE(s.overlaps(0, 101));
    EXPECT_TRUE(s.overlaps(50, 500));
    EXPECT_FALSE(s.overlaps(150, 0));
}

TEST(RangeSet, EmptyAndHugeRangesDoNotWrap) {
    RangeSet s;
    EXPECT_EQ(s.add(5, 0), 0u);
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    EXPECT_EQ(s.add(max - 10, 100), 10u);  // clipped at 2^64
    EXPECT_EQ(s.bytes(), 10u);
}
