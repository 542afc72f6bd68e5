// unify/file_ops: swap_in keeps the old inode until finish_swap drops it or swap_back restores it.
#include "unify/file_ops.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/sys.hpp"
#include "unit/base/temp_dir.hpp"

namespace vs::unify {
namespace {

struct Dir {
    test::TempDir tmp;
    UniqueFd fd;
    Dir() {
        EXPECT_TRUE(sys::write_file_atomic(tmp.path + "/file", "guest's own bytes\n"));
        EXPECT_TRUE(sys::write_file_atomic(tmp.path + "/.vs-unify.new", "shared bytes\n"));
        fd = UniqueFd(::open(tmp.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    struct statx at(const std::string& name) const {
        struct statx s {};
        EXPECT_EQ(::statx(fd.get(), name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &s), 0)
            << name;
        return s;
    }
    bool exists(const std::string& name) const {
        return ::faccessat(fd.get(), name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
    }
};

TEST(UnifyFileOps, SwapBackRestoresTheOldInode) {
    Dir d;
    const auto old = d.at("file"), fresh = d.at(".vs-unify.new");
    auto in = swap_in(d.fd.get(), ".vs-unify.new", "file", old, "file");
    ASSERT_TRUE(in) << in.error().what();
    ASSERT_TRUE(*in);
    EXPECT_EQ(d.at("file").stx_ino, fresh.stx_ino);
    EXPECT_EQ(d.at(".vs-unify.new").stx_ino, old.stx_ino);  // kept until finish or back
    ASSERT_TRUE(swap_back(d.fd.get(), ".vs-unify.new", "file", "file"));
    EXPECT_EQ(d.at("file").stx_ino, old.stx_ino);
    EXPECT_FALSE(d.exists(".vs-unify.new"));
}

TEST(UnifyFileOps, FinishSwapDropsTheOldInode) {
    Dir d;
    const auto old = d.at("file"), fresh = d.at(".vs-unify.new");
    auto in = swap_in(d.fd.get(), ".vs-unify.new", "file", old, "file");
    ASSERT_TRUE(in && *in);
    ASSERT_TRUE(finish_swap(d.fd.get(), ".vs-unify.new", "file"));
    EXPECT_EQ(d.at("file").stx_ino, fresh.stx_ino);
    EXPECT_FALSE(d.exists(".vs-unify.new"));
}

TEST(UnifyFileOps, SwapInLeavesAChangedFileAlone) {
    Dir d;
    auto old = d.at("file");
    ASSERT_TRUE(sys::write_file_atomic(d.tmp.path + "/file", "the guest wrote again\n"));
    auto in = swap_in(d.fd.get(), ".vs-unify.new", "file", old, "file");
    ASSERT_TRUE(in);
    EXPECT_FALSE(*in);
    EXPECT_NE(d.at("file").stx_ino, old.stx_ino);
    EXPECT_FALSE(d.exists(".vs-unify.new"));
}

}  // namespace
}  // namespace vs::unify
