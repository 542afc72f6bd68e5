// Unit tests for seccomp::compile_oci_cached: the program taken from the cache is the one
// compile_oci makes, and an entry that is not exactly ours is never loaded.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <xxhash.h>

#include "seccomp/oci_filter.hpp"

namespace vs {
namespace {

using spec::oci::SeccompAction;
using spec::oci::SeccompOp;
namespace fs = std::filesystem;

// The shape of the engines' default profiles, with argument filters and three ABIs.
spec::oci::Seccomp engine_profile() {
    spec::oci::Seccomp s;
    s.default_action = SeccompAction::Errno;
    s.default_errno_ret = EPERM;
    s.architectures = {"x86_64", "x86", "x32"};
    spec::oci::SeccompRule allow;
    allow.names = {"read",  "write", "openat", "close",      "mmap",        "exit_group",
                   "futex", "brk",   "execve", "socketcall", "rt_sigaction"};
    spec::oci::SeccompRule sock;
    sock.names = {"socket"};
    sock.args = {{0, AF_VSOCK, 0, SeccompOp::NotEqual}};
    spec::oci::SeccompRule pers;
    pers.names = {"personality"};
    pers.args = {{0, 0xffffffff, 0, SeccompOp::EqualTo}};
    spec::oci::SeccompRule clone;
    clone.names = {"clone"};
    clone.args = {{0, 0, 0x7e020000, SeccompOp::MaskedEqual}};
    spec::oci::SeccompRule deny;
    deny.names = {"ptrace"};
    deny.action = SeccompAction::Errno;
    deny.errno_ret = ENOSYS;
    s.syscalls = {allow, sock, pers, clone, deny};
    return s;
}

std::string bytes(const seccomp::Program& p) {
    return std::string(reinterpret_cast<const char*>(p.insns.data()),
                       p.insns.size() * sizeof(sock_filter));
}

std::string slurp(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const fs::path& f, const std::string& data) {
    std::ofstream(f, std::ios::binary | std::ios::trunc) << data;
}

class OciCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-seccomp-oci-cache-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        dir_ = base_ + "/seccomp:cache";
        auto p = seccomp::compile_oci(engine_profile());
        ASSERT_TRUE(p) << p.error().what();
        fresh_ = bytes(*p);
    }
    void TearDown() override { fs::remove_all(base_); }
    std::vector<fs::path> entries() const {
        std::vector<fs::path> v;
        if (fs::exists(dir_))
            for (auto& e : fs::directory_iterator(dir_)) v.push_back(e.path());
        return v;
    }
    // The program the cache answers with.
    std::string cached(const spec::oci::Seccomp& s) {
        auto p = seccomp::compile_oci_cached(s, dir_);
        EXPECT_TRUE(p) << p.error().what();
        return p ? bytes(*p) : std::string();
    }
    std::string base_, dir_, fresh_;
};

TEST_F(OciCacheTest, CachedProgramIsByteIdenticalToACompile) {
    EXPECT_EQ(cached(engine_profile()), fresh_);  // compiled, written
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(fs::status(dir_).permissions() & fs::perms::all, fs::perms::owner_all);
    EXPECT_EQ(fs::status(entries()[0]).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(cached(engine_profile()), fresh_);  // read back
    auto e = seccomp::read_oci_cache_entry(entries()[0], seccomp::oci_cache_key(engine_profile()));
    ASSERT_TRUE(e) << e.error().what();
    EXPECT_EQ(bytes(*e), fresh_);
}

TEST_F(OciCacheTest, EveryPartOfTheProfileIsInTheKey) {
    const auto base = seccomp::oci_cache_key(engine_profile());
    std::vector<spec::oci::Seccomp> variants(8, engine_profile());
    variants[0].default_errno_ret = EACCES;
    variants[1].default_action = SeccompAction::KillProcess;
    variants[2].architectures.pop_back();
    variants[3].syscalls[0].names.pop_back();
    variants[4].syscalls[1].args[0].value = AF_NETLINK;
    variants[5].syscalls[3].args[0].value_two = 0x10000000;
    variants[6].syscalls[4].errno_ret = EPERM;
    variants[7].syscalls[1].args[0].op = SeccompOp::EqualTo;
    for (size_t i = 0; i < variants.size(); ++i) {
        EXPECT_NE(seccomp::oci_cache_key(variants[i]), base) << "variant " << i;
        auto p = seccomp::compile_oci(variants[i]);
        ASSERT_TRUE(p) << p.error().what();
        EXPECT_EQ(cached(variants[i]), bytes(*p)) << "variant " << i;
    }
    EXPECT_EQ(entries().size(), variants.size());
    // Names are length-prefixed: moving a character between two names changes the key.
    auto a = engine_profile(), b = engine_profile();
    a.syscalls[0].names = {"ab", "c"};
    b.syscalls[0].names = {"a", "bc"};
    EXPECT_NE(seccomp::oci_cache_key(a), seccomp::oci_cache_key(b));
}

// A hit comes from the file: a well-formed entry for this key holding another program (here
// "allow everything") is what the cache answers, which is why an entry is believed only where
// no one but us could have written it (the tests below).
TEST_F(OciCacheTest, AHitIsReadFromTheEntry) {
    ASSERT_EQ(cached(engine_profile()), fresh_);
    auto e = entries().at(0);
    const std::string key = seccomp::oci_cache_key(engine_profile());
    const sock_filter ret = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    const std::string allow(reinterpret_cast<const char*>(&ret), sizeof ret);
    const std::string keyed = key + allow;
    const uint64_t h[3] = {key.size(), allow.size(), XXH3_64bits(keyed.data(), keyed.size())};
    spit(e, "vs-seccomp 1\n" + std::string(reinterpret_cast<const char*>(h), sizeof h) + keyed);
    EXPECT_EQ(cached(engine_profile()), allow);
}

TEST_F(OciCacheTest, ATamperedEntryIsIgnoredAndRewritten) {
    ASSERT_EQ(cached(engine_profile()), fresh_);
    auto e = entries().at(0);
    const std::string good = slurp(e);
    const std::string key = seccomp::oci_cache_key(engine_profile());

    // One program byte changed: the checksum no longer matches.
    std::string bad = good;
    bad[bad.size() - 3] ^= 0x01;
    spit(e, bad);
    EXPECT_FALSE(seccomp::read_oci_cache_entry(e, key));
    EXPECT_EQ(cached(engine_profile()), fresh_);
    EXPECT_EQ(slurp(e), good);  // written again

    // Truncated, or garbage.
    spit(e, good.substr(0, good.size() - 8));
    EXPECT_EQ(cached(engine_profile()), fresh_);
    spit(e, "garbage");
    EXPECT_EQ(cached(engine_profile()), fresh_);
    EXPECT_EQ(slurp(e), good);

    // Readable by others: not trusted even though the content is right.
    ASSERT_EQ(::chmod(e.c_str(), 0644), 0);
    EXPECT_EQ(seccomp::read_oci_cache_entry(e, key).error().code, EPERM);
    EXPECT_EQ(cached(engine_profile()), fresh_);
    EXPECT_EQ(fs::status(e).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    // Another owner.
    if (::geteuid() == 0) {
        ASSERT_EQ(::chown(e.c_str(), 65534, 65534), 0);
        EXPECT_EQ(seccomp::read_oci_cache_entry(e, key).error().code, EPERM);
        EXPECT_EQ(cached(engine_profile()), fresh_);
        struct stat st {};
        ASSERT_EQ(::stat(e.c_str(), &st), 0);
        EXPECT_EQ(st.st_uid, ::geteuid());
    }

    // A symlink to a good entry elsewhere: not followed.
    fs::copy_file(e, base_ + "/elsewhere");
    fs::remove(e);
    fs::create_symlink(base_ + "/elsewhere", e);
    EXPECT_FALSE(seccomp::read_oci_cache_entry(e, key));
    EXPECT_EQ(cached(engine_profile()), fresh_);
    EXPECT_FALSE(fs::is_symlink(e));
}

// An entry holding another profile's key under this profile's name (a hash collision, or a
// file put there) is not used: the key text itself must match. The other profile differs in
// one digit (default errno 2, not 1), so its entry is well formed, of the same size and with
// a right checksum.
TEST_F(OciCacheTest, AnEntryForAnotherKeyIsNotUsed) {
    auto other = engine_profile();
    other.default_errno_ret = ENOENT;
    auto op = seccomp::compile_oci(other);
    ASSERT_TRUE(op) << op.error().what();
    ASSERT_EQ(cached(other), bytes(*op));
    ASSERT_EQ(cached(engine_profile()), fresh_);
    ASSERT_EQ(entries().size(), 2u);
    const std::string key = seccomp::oci_cache_key(engine_profile());
    fs::path mine, theirs;
    for (auto& e : entries()) (seccomp::read_oci_cache_entry(e, key) ? mine : theirs) = e;
    ASSERT_FALSE(mine.empty());
    ASSERT_FALSE(theirs.empty());
    fs::copy_file(theirs, mine, fs::copy_options::overwrite_existing);
    EXPECT_EQ(seccomp::read_oci_cache_entry(mine, key).error().code, ENOENT);
    EXPECT_EQ(cached(engine_profile()), fresh_);
}

// A cache directory others may write is not used at all: neither read nor written.
TEST_F(OciCacheTest, AnOpenDirectoryIsNotUsed) {
    ASSERT_EQ(::mkdir(dir_.c_str(), 0755), 0);
    EXPECT_EQ(cached(engine_profile()), fresh_);
    EXPECT_TRUE(entries().empty());
    ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
    EXPECT_EQ(cached(engine_profile()), fresh_);
    EXPECT_EQ(entries().size(), 1u);
}

// A profile that does not compile is reported as before and leaves no entry.
TEST_F(OciCacheTest, ACompileErrorIsReportedAndNotCached) {
    auto s = engine_profile();
    s.architectures.push_back("no-such-arch");
    auto p = seccomp::compile_oci_cached(s, dir_);
    ASSERT_FALSE(p);
    EXPECT_NE(std::string(p.error().what()).find("no-such-arch"), std::string::npos);
    EXPECT_TRUE(entries().empty());
}

}  // namespace
}  // namespace vs
