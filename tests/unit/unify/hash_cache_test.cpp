// unify/hash_cache: an entry is found only for the unchanged file; damage drops the whole cache.
#include "unify/hash_cache.hpp"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include "base/sys.hpp"
#include "unit/base/temp_dir.hpp"

namespace vs::unify {
namespace {

using test::TempDir;

TEST(UnifyHashCache, RoundTripAndKeyedOnEveryField) {
    TempDir d;
    HashCache c;
    CachedHash h{{1, 2, 3, -4, 5}, {0x1122334455667788ull, 0x99aabbccddeeff00ull}, 7, 8};
    c.put(h);
    std::string file = d.path + "/unify/hashes";
    ASSERT_TRUE(c.save(file));
    auto back = HashCache::load(file);
    const CachedHash* f = back.find(h.key);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(XXH128_isEqual(f->hash, h.hash));
    EXPECT_EQ(f->leader_dev, 7u);
    EXPECT_EQ(f->leader_ino, 8u);
    for (int i = 0; i < 5; ++i) {
        FileKey k = h.key;
        if (i == 0) k.dev++;
        if (i == 1) k.ino++;
        if (i == 2) k.size++;
        if (i == 3) k.mtime_ns++;
        if (i == 4) k.ctime_ns++;
        EXPECT_EQ(back.find(k), nullptr) << "field " << i;
    }
}

TEST(UnifyHashCache, DamagedFileIsDroppedWhole) {
    TempDir d;
    std::string file = d.path + "/hashes";
    ASSERT_TRUE(sys::write_file_atomic(file,
                                       "vserver-ng unify hash cache 1\n"
                                       "1 2 3 4 5 00000000000000aa 00000000000000bb 0 0\n"
                                       "1 9 3 4 5 zz 00000000000000bb 0 0\n"));
    auto c = HashCache::load(file);
    EXPECT_EQ(c.loaded(), 0u);
    // Too few or too many fields, a signed or short hex field, a decimal beyond 64 bits.
    for (const char* bad : {"1 2 3 4 5 00000000000000aa 00000000000000bb 0\n",
                            "1 2 3 4 5 00000000000000aa 00000000000000bb 0 0 0\n",
                            "1 2 3 4 5 -00000000000000a 00000000000000bb 0 0\n",
                            "1 2 3 4 5 aa 00000000000000bb 0 0\n",
                            "1 2 3 4 18446744073709551616 00000000000000aa 00000000000000bb 0 0\n",
                            "1 2 3 +4 5 00000000000000aa 00000000000000bb 0 0\n"}) {
        ASSERT_TRUE(sys::write_file_atomic(
            file, std::string("vserver-ng unify hash cache 1\n"
                              "1 2 3 4 5 00000000000000aa 00000000000000bb 0 0\n") +
                      bad));
        EXPECT_EQ(HashCache::load(file).loaded(), 0u) << bad;
    }
    ASSERT_TRUE(sys::write_file_atomic(file, "something else\n"));
    EXPECT_EQ(HashCache::load(file).loaded(), 0u);
    EXPECT_EQ(HashCache::load(d.path + "/absent").loaded(), 0u);
}

TEST(UnifyHashCache, KeyOfTakesEveryStatxField) {
    struct statx s {};
    s.stx_dev_major = 8;
    s.stx_dev_minor = 3;
    s.stx_ino = 42;
    s.stx_size = 4096;
    s.stx_mtime = {7, 5};
    s.stx_ctime = {9, 6};
    FileKey k = key_of(s);
    EXPECT_EQ(k.dev, makedev(8, 3));
    EXPECT_EQ(k.ino, 42u);
    EXPECT_EQ(k.size, 4096u);
    EXPECT_EQ(k.mtime_ns, 7000000005);
    EXPECT_EQ(k.ctime_ns, 9000000006);
}

}  // namespace
}  // namespace vs::unify
