#include "base/strings.hpp"

#include <gtest/gtest.h>

namespace vs {
namespace {

// What dirname(1) says for paths without a trailing '/', which is all the callers pass.
TEST(Strings, ParentDirIsTheDirectoryPart) {
    EXPECT_EQ(str::parent_dir("/var/lib/vservers/g1"), "/var/lib/vservers");
    EXPECT_EQ(str::parent_dir("/g1"), "/");
    EXPECT_EQ(str::parent_dir("/"), "/");
    EXPECT_EQ(str::parent_dir("g1"), ".");
    EXPECT_EQ(str::parent_dir("a/b"), "a");
    EXPECT_EQ(str::parent_dir(""), ".");
}

}  // namespace
}  // namespace vs
