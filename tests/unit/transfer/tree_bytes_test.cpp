// transfer/tree_reader: tree_bytes, the progress total (a hard-linked file once; allocated bytes).
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "transfer/tree_reader.hpp"

namespace {

void write_file(const std::string& path, size_t n) { std::ofstream(path) << std::string(n, 'x'); }

TEST(TreeBytes, HardLinkedFileOnceSparseFileByItsData) {
    char tmpl[] = "/tmp/vs-unit-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    std::filesystem::create_directory(dir + "/sub");
    write_file(dir + "/a", 10000);
    write_file(dir + "/sub/b", 3000);
    ASSERT_EQ(::link((dir + "/a").c_str(), (dir + "/sub/a.link").c_str()), 0);
    // 1 GiB apparent, nothing allocated.
    std::filesystem::resize_file((std::ofstream(dir + "/sparse"), dir + "/sparse"), 1u << 30);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(vs::transfer::tree_bytes(fd, dir), 13000u + (1u << 30));
    EXPECT_EQ(vs::transfer::tree_bytes(fd, dir, true), 13000u);
    ::close(fd);
    std::filesystem::remove_all(dir);
}

}  // namespace
