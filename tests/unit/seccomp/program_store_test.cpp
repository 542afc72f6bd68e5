// Unit tests for seccomp::cached_program's bound: a store directory keeps at most its limit of
// entries, the least recently used removed on a write, and concurrent users never fail for it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "seccomp/program_store.hpp"

namespace vs {
namespace {

namespace fs = std::filesystem;

// A small program that names its key, so a test can tell which compile it came from.
seccomp::Program program_for(int key) {
    seccomp::Program p;
    p.insns = {{0x06, 0, 0, static_cast<uint32_t>(key)}, {0x06, 0, 0, 0x7fff0000}};
    return p;
}

std::string key_text(int key) { return "test key " + std::to_string(key) + "\n"; }

class ProgramStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-seccomp-store-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        dir_ = base_ + "/store";
    }
    void TearDown() override { fs::remove_all(base_); }

    // The program for `key` through the store, counting the compiles it needed.
    uint32_t get(int key, size_t max) {
        auto p = seccomp::cached_program(
            dir_, key_text(key),
            [&]() -> Result<seccomp::Program> {
                ++compiles_;
                return program_for(key);
            },
            max);
        EXPECT_TRUE(p) << p.error().what();
        return p && !p->insns.empty() ? p->insns[0].k : UINT32_MAX;
    }
    // The entries (files named as the store names them, not others) in the store.
    std::vector<fs::path> entries() const {
        std::vector<fs::path> v;
        for (auto& e : fs::directory_iterator(dir_)) {
            const std::string n = e.path().filename().string();
            if (n.size() == 36 && n.substr(32) == ".bpf" &&
                n.find_first_not_of("0123456789abcdef") == 32)
                v.push_back(e.path());
        }
        return v;
    }
    // Where the entry for `key` is (without reading it: a read marks it used), or nothing.
    fs::path entry_of(int key) const {
        const std::string k = key_text(key);
        XXH128_hash_t h = XXH3_128bits(k.data(), k.size());
        char name[40];
        std::snprintf(name, sizeof name, "%016llx%016llx.bpf",
                      static_cast<unsigned long long>(h.high64),
                      static_cast<unsigned long long>(h.low64));
        fs::path p = fs::path(dir_) / name;
        return fs::exists(p) ? p : fs::path();
    }
    static void set_mtime(const fs::path& f, time_t t) {
        struct timespec ts[2] = {{t, 0}, {t, 0}};
        ASSERT_EQ(::utimensat(AT_FDCWD, f.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << f;
    }
    static time_t mtime(const fs::path& f) {
        struct stat st {};
        EXPECT_EQ(::stat(f.c_str(), &st), 0) << f;
        return st.st_mtime;
    }
    std::string base_, dir_;
    std::atomic<int> compiles_{0};
};

TEST_F(ProgramStoreTest, AWriteBeyondTheLimitRemovesTheLeastRecentlyUsed) {
    for (int k = 1; k <= 3; ++k) EXPECT_EQ(get(k, 3), static_cast<uint32_t>(k));
    ASSERT_EQ(entries().size(), 3u);
    EXPECT_EQ(compiles_, 3);
    // Written in the order 1, 2, 3 long ago; then 1 is used again, so 2 is the oldest.
    const time_t now = ::time(nullptr);
    set_mtime(entry_of(1), now - 300);
    set_mtime(entry_of(2), now - 200);
    set_mtime(entry_of(3), now - 100);
    EXPECT_EQ(get(1, 3), 1u);
    EXPECT_EQ(compiles_, 3);             // a hit
    EXPECT_GE(mtime(entry_of(1)), now);  // marked used
    EXPECT_EQ(get(4, 3), 4u);
    EXPECT_EQ(compiles_, 4);
    ASSERT_EQ(entries().size(), 3u);
    EXPECT_TRUE(entry_of(2).empty());
    for (int k : {1, 3, 4}) EXPECT_FALSE(entry_of(k).empty()) << k;
    // The removed one is compiled again when asked for, and written: the oldest (3) goes.
    EXPECT_EQ(get(2, 3), 2u);
    EXPECT_EQ(compiles_, 5);
    ASSERT_EQ(entries().size(), 3u);
    EXPECT_TRUE(entry_of(3).empty());
}

TEST_F(ProgramStoreTest, OnlyTheStoresOwnFilesAreCountedOrRemoved) {
    ASSERT_EQ(get(1, 2), 1u);
    // Other files in the directory: not entries by name, so neither counted nor removed.
    for (const char* n : {"README", "x.bpf", "0123456789abcdef0123456789ABCDEF.bpf"})
        std::ofstream(fs::path(dir_) / n) << "not an entry";
    // A dead writer's temporary (old) and a live one's (new).
    const std::string e1 = entry_of(1).filename().string();
    const fs::path dead = fs::path(dir_) / ("." + e1 + ".tmp.999999");
    const fs::path live = fs::path(dir_) / ("." + e1 + ".tmp.999998");
    std::ofstream(dead) << "partial";
    std::ofstream(live) << "partial";
    set_mtime(dead, ::time(nullptr) - 2 * 3600);
    ASSERT_EQ(get(2, 2), 2u);
    EXPECT_EQ(entries().size(), 2u);
    for (const char* n : {"README", "x.bpf", "0123456789abcdef0123456789ABCDEF.bpf"})
        EXPECT_TRUE(fs::exists(fs::path(dir_) / n)) << n;
    EXPECT_FALSE(fs::exists(dead));
    EXPECT_TRUE(fs::exists(live));
}

TEST_F(ProgramStoreTest, TheEntryJustWrittenIsKeptEvenAtALimitOfOne) {
    for (int k = 1; k <= 3; ++k) EXPECT_EQ(get(k, 1), static_cast<uint32_t>(k));
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_FALSE(entry_of(3).empty());
}

// Several users of one store at once, each asking for keys others' writes push out: every
// answer is its key's program (a lost entry is compiled again) and the bound holds at the end.
TEST_F(ProgramStoreTest, ConcurrentUsersNeverFailAndTheBoundHolds) {
    constexpr int kThreads = 6, kKeysEach = 4, kRounds = 20;
    constexpr size_t kMax = 5;
    std::atomic<int> wrong{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&, t] {
            // Keys of its own: write_file_replace's temporary is named by the process id.
            for (int r = 0; r < kRounds; ++r)
                for (int i = 0; i < kKeysEach; ++i) {
                    const int key = t * 100 + i;
                    if (get(key, kMax) != static_cast<uint32_t>(key)) ++wrong;
                }
        });
    }
    for (auto& t : ts) t.join();
    EXPECT_EQ(wrong, 0);
    EXPECT_LE(entries().size(), kMax);
    EXPECT_GT(compiles_, kThreads * kKeysEach);  // entries were removed and compiled again
}

}  // namespace
}  // namespace vs
