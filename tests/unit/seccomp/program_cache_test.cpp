// Unit tests for seccomp::compile / compile_cached / program_from_bytes (no filter is loaded).
#include <gtest/gtest.h>
#include <linux/capability.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "seccomp/profile.hpp"

namespace vs {
namespace {

class ProgramCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-seccomp-cache-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::vector<std::filesystem::path> files() const {
        std::vector<std::filesystem::path> v;
        for (auto& e : std::filesystem::directory_iterator(dir_ + "/c")) v.push_back(e.path());
        return v;
    }
    std::string dir_;
};

TEST_F(ProgramCacheTest, CompilesWithinTheKernelLimit) {
    auto p = seccomp::compile("default", {});
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_GT(p->insns.size(), 100u);
    EXPECT_LE(p->insns.size(), 4096u);  // BPF_MAXINSNS
    auto u = seccomp::compile("unconfined", {});
    ASSERT_TRUE(u);
    EXPECT_TRUE(u->empty());
}

TEST_F(ProgramCacheTest, SecondCallReadsTheCacheAndOptionsGetTheirOwnEntry) {
    seccomp::ProfileOptions o;
    auto a = seccomp::compile_cached("default", o, dir_ + "/c");
    ASSERT_TRUE(a) << a.error().what();
    ASSERT_EQ(files().size(), 1u);
    EXPECT_EQ(std::filesystem::status(dir_ + "/c").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_all);
    auto b = seccomp::compile_cached("default", o, dir_ + "/c");
    ASSERT_TRUE(b);
    EXPECT_EQ(a->insns.size(), b->insns.size());
    EXPECT_EQ(0, memcmp(a->insns.data(), b->insns.data(), a->insns.size() * sizeof(sock_filter)));
    o.caps = uint64_t{1} << CAP_SYS_ADMIN;
    auto c = seccomp::compile_cached("default", o, dir_ + "/c");
    ASSERT_TRUE(c);
    EXPECT_EQ(files().size(), 2u);
}

TEST_F(ProgramCacheTest, MalformedCacheFileIsRebuilt) {
    auto a = seccomp::compile_cached("default", {}, dir_ + "/c");
    ASSERT_TRUE(a);
    auto f = files().at(0);
    std::ofstream(f, std::ios::trunc) << "garbage";  // 7 bytes: not whole instructions
    auto b = seccomp::compile_cached("default", {}, dir_ + "/c");
    ASSERT_TRUE(b) << b.error().what();
    EXPECT_EQ(a->insns.size(), b->insns.size());
    // Rewritten as a whole entry again: the store's header and key, then the program.
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string prog(reinterpret_cast<const char*>(a->insns.data()),
                           a->insns.size() * sizeof(sock_filter));
    ASSERT_GT(bytes.size(), prog.size());
    EXPECT_EQ(bytes.substr(bytes.size() - prog.size()), prog);
}

TEST(SeccompProgram, FromBytesChecksShape) {
    EXPECT_FALSE(seccomp::program_from_bytes(""));
    EXPECT_FALSE(seccomp::program_from_bytes("1234567"));
    EXPECT_FALSE(seccomp::program_from_bytes(std::string(8 * 4097, '\0')));
    auto p = seccomp::program_from_bytes(std::string(16, '\0'));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->insns.size(), 2u);
}

}  // namespace
}  // namespace vs
