// transfer/tree_reader: tree_bytes, the progress total (a hard-linked file once; allocated bytes).
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/unique_fd.hpp"
#include "transfer/tree_reader.hpp"
#include "unit/base/temp_dir.hpp"

namespace {

void write_file(const std::string& path, size_t n) { std::ofstream(path) << std::string(n, 'x'); }

TEST(TreeBytes, HardLinkedFileOnceSparseFileByItsData) {
    // Removed however the test ends (an ASSERT returns early).
    vs::test::TempDir tmp;
    ASSERT_FALSE(tmp.path.empty());
    const std::string& dir = tmp.path;
    std::filesystem::create_directory(dir + "/sub");
    write_file(dir + "/a", 10000);
    write_file(dir + "/sub/b", 3000);
    ASSERT_EQ(::link((dir + "/a").c_str(), (dir + "/sub/a.link").c_str()), 0);
    // 1 GiB apparent, nothing allocated.
    std::filesystem::resize_file((std::ofstream(dir + "/sparse"), dir + "/sparse"), 1u << 30);
    vs::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    EXPECT_EQ(vs::transfer::tree_bytes(fd.get(), dir), 13000u + (1u << 30));
    EXPECT_EQ(vs::transfer::tree_bytes(fd.get(), dir, true), 13000u);
}

}  // namespace
