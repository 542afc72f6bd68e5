// A container's id maps: which map vsrun writes itself, membership, and /proc map files read
// back; the text the kernel and newuidmap are given.
#include "runtime/oci/id_maps.hpp"

#include <gtest/gtest.h>
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

}  // namespace
}  // namespace vs::runtime::oci
