// account() and specific_files() on fake inodes and extents: what is exclusive, what is shared,
// and that every physical byte and inode is counted once in totals.
#include "diskusage/account.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "diskusage/specific.hpp"

using namespace vs::diskusage;

namespace {

constexpr uint64_t MiB = 1 << 20;

InodeRec file(std::vector<Link> links, std::vector<Extent> ext, uint32_t nlink = 0,
              uint32_t domain = 0) {
    InodeRec r;
    r.mode = S_IFREG | 0644;
    r.links = std::move(links);
    uint32_t n = 0;
    for (auto& l : r.links) n += l.count;
    r.nlink = nlink ? nlink : n;
    r.domain = domain;
    for (auto& e : ext) r.size += e.length;
    r.extents = std::move(ext);
    for (auto& l : r.links)
        for (uint32_t i = 0; i < l.count; ++i)
            r.paths.push_back("/t" + std::to_string(l.tree) + "/" + std::to_string(i));
    return r;
}

Extent ext(uint64_t phys, uint64_t len, bool shared) {
    Extent e;
    e.physical = phys;
    e.length = len;
    e.shared = shared;
    return e;
}

}  // namespace

// Three guests each hold a reflink copy of one 10 MiB file (one extent, flagged shared by the
// filesystem) plus a private 1 MiB file: each sees 10 MiB shared, and the total counts the
// 10 MiB once.
TEST(Account, AReflinkedFileInThreeGuestsCountsOnceInTheTotal) {
    std::vector<InodeRec> in;
    for (uint32_t g = 0; g < 3; ++g) {
        in.push_back(file({{g, 1}}, {ext(100 * MiB, 10 * MiB, true)}));
        in.push_back(file({{g, 1}}, {ext((200 + g) * MiB, MiB, false)}));
    }
    auto r = account(in, 3, 1);
    for (auto& u : r.trees) {
        EXPECT_EQ(u.shared_bytes, 10 * MiB);
        EXPECT_EQ(u.exclusive_bytes, MiB);
        EXPECT_EQ(u.inodes, 2u);
        EXPECT_EQ(u.exclusive_inodes, 2u);  // reflinks share extents, not inodes
    }
    EXPECT_EQ(r.total.shared_bytes, 10 * MiB);
    EXPECT_EQ(r.total.exclusive_bytes, 3 * MiB);
    EXPECT_EQ(r.total.allocated_bytes(), 13 * MiB);
    EXPECT_EQ(r.total.apparent_bytes, 33 * MiB);
    EXPECT_EQ(r.total.inodes, 6u);
}

// A hard link across guests (ext4 unification): one inode, no shared flag on its extent; it
// is shared through its links, in each guest and once in the total.
TEST(Account, AHardLinkAcrossGuestsIsSharedAndCountedOnce) {
    std::vector<InodeRec> in{file({{0, 1}, {1, 1}}, {ext(0, 10 * MiB, false)})};
    auto r = account(in, 2, 1);
    EXPECT_EQ(r.trees[0].shared_bytes, 10 * MiB);
    EXPECT_EQ(r.trees[1].shared_bytes, 10 * MiB);
    EXPECT_EQ(r.trees[0].shared_inodes, 1u);
    EXPECT_EQ(r.trees[0].exclusive_bytes, 0u);
    EXPECT_EQ(r.total.shared_bytes, 10 * MiB);
    EXPECT_EQ(r.total.inodes, 1u);
    EXPECT_EQ(r.total.shared_inodes, 1u);
    EXPECT_EQ(r.total.apparent_bytes, 10 * MiB);
}

// Two links of one inode inside one guest: exclusive, counted once.
TEST(Account, HardLinksInsideOneGuestStayExclusive) {
    std::vector<InodeRec> in{file({{0, 2}}, {ext(0, MiB, false)})};
    auto r = account(in, 1, 1);
    EXPECT_EQ(r.trees[0].exclusive_bytes, MiB);
    EXPECT_EQ(r.trees[0].shared_bytes, 0u);
    EXPECT_EQ(r.trees[0].inodes, 1u);
    EXPECT_EQ(r.trees[0].exclusive_inodes, 1u);
}

// A link the trees do not hold (a hard link to a host file, or to an unmeasured guest) makes
// the inode shared.
TEST(Account, ALinkOutsideTheTreesMakesTheInodeShared) {
    std::vector<InodeRec> in{file({{0, 1}}, {ext(0, MiB, false)}, /*nlink=*/2)};
    auto r = account(in, 1, 1);
    EXPECT_EQ(r.trees[0].shared_bytes, MiB);
    EXPECT_EQ(r.trees[0].shared_inodes, 1u);
    EXPECT_EQ(r.total.shared_inodes, 1u);
}

// Partly shared extents (a guest rewrote the middle of a deduped file): the shared extents
// overlap in physical space and count once; the rewritten part is the guest's own.
TEST(Account, PartlyOverlappingExtentsCountTheUnionOnce) {
    std::vector<InodeRec> in{
        file({{0, 1}}, {ext(0, 4 * MiB, true)}),
        file({{1, 1}}, {ext(0, MiB, true), ext(50 * MiB, MiB, false), ext(2 * MiB, 2 * MiB, true)}),
    };
    auto r = account(in, 2, 1);
    EXPECT_EQ(r.trees[0].shared_bytes, 4 * MiB);
    EXPECT_EQ(r.trees[1].shared_bytes, 3 * MiB);
    EXPECT_EQ(r.trees[1].exclusive_bytes, MiB);
    EXPECT_EQ(r.total.shared_bytes, 4 * MiB);
    EXPECT_EQ(r.total.allocated_bytes(), 5 * MiB);
}

// The same physical address on two filesystems is two different places.
TEST(Account, PhysicalAddressesArePerFilesystem) {
    std::vector<InodeRec> in{
        file({{0, 1}}, {ext(0, MiB, true)}, 1, /*domain=*/0),
        file({{1, 1}}, {ext(0, MiB, true)}, 1, /*domain=*/1),
    };
    auto r = account(in, 2, 2);
    EXPECT_EQ(r.total.shared_bytes, 2 * MiB);
}

// Bytes without an address (btrfs inline data, symlinks, directories) belong to their inode.
TEST(Account, BytesWithoutExtentsFollowTheirInode) {
    InodeRec inl = file({{0, 1}, {1, 1}}, {});
    inl.private_bytes = 4096;
    InodeRec dir;
    dir.mode = S_IFDIR | 0755;
    dir.nlink = 5;  // subdirectories, not links from elsewhere
    dir.links = {{0, 1}};
    dir.private_bytes = 4096;
    auto r = account({inl, dir}, 2, 1);
    EXPECT_EQ(r.trees[0].shared_bytes, 4096u);
    EXPECT_EQ(r.trees[0].exclusive_bytes, 4096u);
    EXPECT_EQ(r.trees[0].no_extent_bytes, 8192u);
    EXPECT_EQ(r.trees[0].exclusive_inodes, 1u);
    EXPECT_EQ(r.total.shared_bytes, 4096u);
    EXPECT_EQ(r.total.allocated_bytes(), 8192u);
}

TEST(Specific, WithoutReferencesAnyOutsideLinkOrSharedExtentExcludes) {
    std::vector<InodeRec> in{
        file({{0, 2}}, {ext(0, MiB, false)}),            // two links, both in the guest
        file({{0, 1}}, {ext(10 * MiB, MiB, true)}),      // a reflink to somewhere
        file({{0, 1}}, {ext(20 * MiB, MiB, false)}, 2),  // a hard link outside
        file({{1, 1}}, {ext(30 * MiB, MiB, false)}),     // another tree's file
    };
    auto f = specific_files(in, 0, {}, 1);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].paths.size(), 2u);
    EXPECT_EQ(f[0].allocated_bytes, MiB);
}

TEST(Specific, WithReferencesOnlySharingWithThemCounts) {
    std::vector<InodeRec> in{
        file({{0, 1}}, {ext(10 * MiB, MiB, true)}),           // shared, but not with the reference
        file({{0, 1}}, {ext(20 * MiB, MiB, true)}),           // shares an extent with the reference
        file({{0, 1}, {1, 1}}, {ext(40 * MiB, MiB, false)}),  // hard-linked into the reference
        file({{1, 1}}, {ext(20 * MiB + 4096, 4096, true)}),
        file({{2, 1}}, {ext(10 * MiB, MiB, true)}),  // tree 2 is not a reference
    };
    auto f = specific_files(in, 0, {1}, 1);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].paths, std::vector<std::string>{"/t0/0"});
}
