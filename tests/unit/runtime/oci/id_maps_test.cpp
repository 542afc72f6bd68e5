// A container's id maps: which map vsrun writes itself, membership, and /proc map files read
// back; the text the kernel and newuidmap are given.
#include "runtime/oci/id_maps.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace vs::runtime::oci {
namespace {

using M = std::vector<spec::oci::IdMapping>;

TEST(IdMaps, OwnMapIsContainerRootToTheCallerSizeOne) {
    EXPECT_TRUE(own_id_map(M{{0, 1000, 1}}, 1000));
    EXPECT_FALSE(own_id_map(M{{0, 1000, 1}}, 1001));
    EXPECT_FALSE(own_id_map(M{{0, 1000, 2}}, 1000));
    EXPECT_FALSE(own_id_map(M{{1, 1000, 1}}, 1000));
    EXPECT_FALSE(own_id_map(M{{0, 1000, 1}, {1, 100000, 65536}}, 1000));
    EXPECT_FALSE(own_id_map(M{}, 1000));
}

TEST(IdMaps, MappedIdsLieInARange) {
    const M m{{0, 1000, 1}, {1, 100000, 65536}};
    EXPECT_TRUE(id_mapped(m, 0));
    EXPECT_TRUE(id_mapped(m, 1));
    EXPECT_TRUE(id_mapped(m, 65536));
    EXPECT_FALSE(id_mapped(m, 65537));
    // The top of the id space: no overflow in the range test.
    EXPECT_TRUE(id_mapped(M{{4294967294u, 1, 1}}, 4294967294u));
    EXPECT_FALSE(id_mapped(M{{4294967294u, 1, 1}}, 4294967295u));
    EXPECT_FALSE(id_mapped(M{}, 0));
}

TEST(IdMaps, TextAndListForms) {
    const M m{{0, 1000, 1}, {1, 100000, 65536}};
    EXPECT_EQ(map_text(m), "0 1000 1\n1 100000 65536\n");
    EXPECT_EQ(map_list(m), "[0 1000 1], [1 100000 65536]");
    EXPECT_EQ(map_list(M{}), "none");
}

TEST(IdMaps, ReadsAProcMapFile) {
    // The kernel's layout: right-aligned columns.
    std::string path = ::testing::TempDir() + "/gid_map." + std::to_string(::getpid());
    std::ofstream(path) << "         0       1000          1\n         1     100000      65536\n";
    auto m = read_id_map(path);
    ASSERT_TRUE(m) << m.error().what();
    ASSERT_EQ(m->size(), 2u);
    EXPECT_EQ((*m)[1].container_id, 1u);
    EXPECT_EQ((*m)[1].host_id, 100000u);
    EXPECT_EQ((*m)[1].size, 65536u);
    std::ofstream(path) << "0 1000\n";
    EXPECT_FALSE(read_id_map(path));
    std::ofstream(path) << "0 1000 99999999999\n";
    EXPECT_FALSE(read_id_map(path));
    ::unlink(path.c_str());
    // The running process's own map: the host's identity map, or its namespace's.
    auto self = read_id_map("/proc/self/uid_map");
    ASSERT_TRUE(self) << self.error().what();
    EXPECT_FALSE(self->empty());
}

TEST(IdMaps, SubIdRangesByNameThenUid) {
    const std::string text =
        "# comment\nvsrl:1300000:65536\nother:100000:65536\n61731:2000000:10\n"
        "vsrl:bad:1\nvsrl:5:0\nvsrl:7\n\nvsrl:1365536:100\n";
    auto r = sub_id_ranges(text, "vsrl", 61731);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].start, 1300000u);
    EXPECT_EQ(r[0].count, 65536u);
    EXPECT_EQ(r[1].start, 1365536u);
    EXPECT_EQ(r[2].start, 2000000u);
    EXPECT_TRUE(sub_id_ranges(text, "nobody", 4).empty());
    // A name is not matched as a prefix; an unknown name matches no line without an owner.
    EXPECT_TRUE(sub_id_ranges(text, "vsr", 1).empty());
    EXPECT_TRUE(sub_id_ranges(":5:10\n", "", 1).empty());
}

TEST(IdMaps, UnallowedHostIdsAreFoundPerEntry) {
    const std::vector<SubIdRange> r{{1300000, 65536}, {1365536, 100}, {2000000, 10}};
    // The caller's own id alone, and ranges inside (adjacent ranges add up).
    EXPECT_FALSE(first_unallowed(M{{0, 61731, 1}, {1, 1300000, 65636}}, r, 61731));
    EXPECT_FALSE(first_unallowed(M{{0, 2000000, 10}}, r, 61731));
    // The own id in a larger entry is no longer the own-id allowance.
    auto b = first_unallowed(M{{0, 61731, 2}}, r, 61731);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->entry, 0u);
    EXPECT_EQ(b->host_id, 61731u);
    // One past the adjacent ranges' end; an entry wholly outside; a gap between ranges.
    b = first_unallowed(M{{0, 61731, 1}, {1, 1300000, 65637}}, r, 61731);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->entry, 1u);
    EXPECT_EQ(b->host_id, 1365636u);
    b = first_unallowed(M{{0, 61731, 1}, {1, 1200000, 65536}}, r, 61731);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host_id, 1200000u);
    b = first_unallowed(M{{0, 1999999, 3}}, r, 61731);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host_id, 1999999u);
    EXPECT_TRUE(first_unallowed(M{{0, 0, 1}}, {}, 61731));
    // The top of the id space: no overflow walking past the last range.
    EXPECT_FALSE(first_unallowed(M{{0, 4294967294u, 1}}, {{4294967294u, 1}}, 7));
}

TEST(IdMaps, SubIdCheckNamesFileUserAndId) {
    const std::string dir = ::testing::TempDir() + "/subid." + std::to_string(::getpid());
    ::mkdir(dir.c_str(), 0700);
    SubIdFiles f{dir + "/subuid", dir + "/subgid", dir + "/nsswitch.conf", dir + "/passwd"};
    const uid_t uid = ::getuid();
    std::ofstream(f.passwd) << "other:x:" << uid + 1 << ":0::/:/bin/sh\ntester:x:" << uid
                            << ":0::/:/bin/sh\n";
    spec::oci::Linux l;
    l.uid_mappings = {{0, 1300000, 65536}};
    l.gid_mappings = {{0, 1400000, 65536}};
    // No file at all.
    auto s = check_sub_ids(l, "/b/config.json", f);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("/b/config.json: linux.uidMappings: [0 1300000 65536]"),
              std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find("there is no " + f.subuid), std::string::npos);
    // Ranges for someone else only.
    std::ofstream(f.subuid) << "someone-else:1300000:65536\n";
    s = check_sub_ids(l, "/b/config.json", f);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find(f.subuid + " gives user tester (uid " + std::to_string(uid) +
                                     ") no range of uids"),
              std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find("\"tester:START:COUNT\""), std::string::npos);
    // A user /etc/passwd does not name: only lines by uid can be matched, the rest is
    // newuidmap's to judge (here the gids are refused next: there is no subgid file).
    std::ofstream(f.passwd) << "other:x:" << uid + 1 << ":0::/:/bin/sh\n";
    s = check_sub_ids(l, "/b/config.json", f);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("linux.gidMappings: [0 1400000 65536]: newgidmap maps ids "
                                     "other than the caller's own gid"),
              std::string::npos)
        << s.error().message;
    std::ofstream(f.passwd) << "tester:x:" << uid << ":0::/:/bin/sh\n";
    // A range too small: the entry and the first id it lacks.
    std::ofstream(f.subuid) << uid << ":1300000:1000\n";
    s = check_sub_ids(l, "/b/config.json", f);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("linux.uidMappings[0] [0 1300000 65536]: host uid 1301000 "
                                     "is not in the ranges " +
                                     f.subuid),
              std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find("1300000-1300999"), std::string::npos);
    // uids granted: the gids are checked against their own file.
    std::ofstream(f.subuid) << uid << ":1300000:65536\n";
    std::ofstream(f.subgid) << uid << ":1300000:65536\n";
    s = check_sub_ids(l, "/b/config.json", f);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("linux.gidMappings[0] [0 1400000 65536]: host gid 1400000"),
              std::string::npos)
        << s.error().message;
    std::ofstream(f.subgid) << uid << ":1400000:65536\n";
    EXPECT_TRUE(check_sub_ids(l, "/b/config.json", f));
    // Ranges from a directory service: newgidmap's to judge.
    std::ofstream(f.subgid) << "";
    EXPECT_FALSE(check_sub_ids(l, "/b/config.json", f));
    std::ofstream(f.nsswitch) << "passwd: files\nsubid: sss  # comment\n";
    EXPECT_TRUE(check_sub_ids(l, "/b/config.json", f));
    for (const auto& p : {f.subuid, f.subgid, f.nsswitch, f.passwd}) ::unlink(p.c_str());
    ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace vs::runtime::oci
