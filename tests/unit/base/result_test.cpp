// Result/Error behaviour: values, errors, wrap chains, VS_TRY propagation.
#include <gtest/gtest.h>

#include <cerrno>

#include "base/result.hpp"

namespace {

vs::Result<int> parse_positive(int v) {
    if (v <= 0) return vs::make_error(EINVAL, "value {} is not positive", v);
    return v;
}

vs::Result<int> doubled(int v) {
    int x = VS_TRY(parse_positive(v));
    return 2 * x;
}

vs::Status checked(int v) {
    VS_TRY(parse_positive(v));
    return vs::ok();
}

TEST(Result, CarriesValue) {
    auto r = doubled(4);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 8);
}

TEST(Result, TryPropagatesErrorUnchanged) {
    auto r = doubled(-1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_EQ(r.error().message, "value -1 is not positive");
}

TEST(Result, WrapPrependsContextOnlyOnError) {
    auto bad = doubled(0).wrap("start guest {}", "web1");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "start guest web1: value 0 is not positive");
    auto good = doubled(1).wrap("start guest {}", "web1");
    ASSERT_TRUE(good);
    EXPECT_EQ(*good, 2);
}

TEST(Result, WhatAppendsStrerrorOnce) {
    vs::Error e(ENOENT, "open \"/x\"");
    EXPECT_EQ(e.what(), "open \"/x\": No such file or directory");
    vs::Error plain(0, "bad flag \"foo\"");
    EXPECT_EQ(plain.what(), "bad flag \"foo\"");
}

TEST(Status, VoidResult) {
    EXPECT_TRUE(checked(3));
    auto s = checked(-3);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, EINVAL);
}

}  // namespace
