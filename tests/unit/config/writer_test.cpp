// config::vserver's writer (Edit, prepare, commit, apply), NewConfig and the scan of other
// guests' addresses, on temporary trees.
#include "config/vserver/writer.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>

#include "config/vserver/addresses.hpp"
#include "config/vserver/new_config.hpp"
#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

class WriterTest : public TreeTest {
protected:
    void SetUp() override {
        TreeTest::SetUp();
        put("g", "context", "40010\n");
        put("g", "interfaces/0/ip", "192.0.2.10\n");
        put("g", "interfaces/0/mask", "255.255.255.0\n");
        put("g", "fstab", "none\t/proc\tproc\tdefaults\t0 0\n");
    }

    std::string read(const std::string& rel) const {
        auto t = sys::read_file(dir("g") + "/" + rel);
        return t ? *t : "<" + t.error().what() + ">";
    }

    // Every name in the tree, in flight ones included: what a failed commit must not leave.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::recursive_directory_iterator(paths_.config_dir))
            out.push_back(e.path().string().substr(paths_.config_dir.size()));
        std::sort(out.begin(), out.end());
        return out;
    }

    // commit() with writes beyond `limit` bytes failing (EFBIG), the way a full disk fails
    // them: RLIMIT_FSIZE applies to root too. No test output while it holds.
    Status commit_with_file_limit(const PreparedEdit& p, rlim_t limit) {
        auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
        struct rlimit old {};
        ::getrlimit(RLIMIT_FSIZE, &old);
        struct rlimit lim = old;
        lim.rlim_cur = limit;
        ::setrlimit(RLIMIT_FSIZE, &lim);
        Status s = commit(p);
        ::setrlimit(RLIMIT_FSIZE, &old);
        ::signal(SIGXFSZ, old_handler);
        return s;
    }

    static std::string big_fstab() {
        std::string t;
        for (int k = 0; k < 4000; ++k)
            t += fmt::format("none\t/mnt/m{}\ttmpfs\tdefaults\t0 0\n", k);
        return t;
    }
};

TEST_F(WriterTest, SetsAndUnsetsOneKey) {
    auto r = apply(paths_, "g", Edit().set("context", "40011"));
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(read("context"), "40011\n");
    EXPECT_EQ(r->spec.context, 40011u);
    EXPECT_EQ(r->spec.config_dir, dir("g"));
    ASSERT_TRUE(apply(paths_, "g", Edit().unset("context")));
    EXPECT_FALSE(sys::exists(dir("g") + "/context"));
    // Unsetting an absent key changes nothing and succeeds.
    EXPECT_TRUE(apply(paths_, "g", Edit().unset("context")));
    auto l = load(paths_, "g");
    ASSERT_TRUE(l) << l.error().what();
    EXPECT_FALSE(l->spec.context);
}

TEST_F(WriterTest, RefusesABadValueNamingKeyAndValueAndWritesNothing) {
    auto before = names();
    auto r = apply(paths_, "g", Edit().set("interfaces/0/ip", "300.1.1.1"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_NE(r.error().message.find("interfaces/0/ip"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("300.1.1.1"), std::string::npos) << r.error().message;
    EXPECT_EQ(read("interfaces/0/ip"), "192.0.2.10\n");
    EXPECT_EQ(names(), before);
    // A value whose parser does not quote it is still named.
    auto c = Edit().set("context", "1").check();
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("context"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("\"1\""), std::string::npos) << c.error().message;
}

TEST_F(WriterTest, RefusesUnknownKeysScriptsAndBadPaths) {
    for (const auto& rel : {"nosuchkey", "../g2/context", "/context", "interfaces/.x/ip", ""}) {
        auto c = Edit().set(rel, "1").check();
        EXPECT_FALSE(c) << rel;
    }
    EXPECT_FALSE(Edit().set("scripts/pre-start", "#!/bin/sh").check());
    EXPECT_FALSE(Edit().set("vdir", "/srv/g").check());  // a link key: set_link
    EXPECT_FALSE(Edit().set_flag("context").check());
    EXPECT_FALSE(Edit().set_link("context", "/x").check());
    EXPECT_FALSE(Edit().set("context", "40011\n40012").check());
    EXPECT_FALSE(Edit().remove_dir("context").check());
    // The first refusal is kept even when later changes are fine.
    auto e = Edit().set("nosuchkey", "1").set("context", "40011");
    EXPECT_FALSE(e.check());
    EXPECT_FALSE(apply(paths_, "g", e));
    EXPECT_EQ(read("context"), "40010\n");
}

TEST_F(WriterTest, ValidatesTheWholeResultingConfigNamingTheRealFile) {
    // Each value is fine alone; together they make a config start refuses: the prefix
    // disagrees with interfaces/0/mask (the loader's cross-file rule).
    auto r = apply(paths_, "g", Edit().set("interfaces/0/prefix", "16"));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(dir("g") + "/interfaces/0/"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find(".tmp."), std::string::npos) << r.error().message;
    EXPECT_FALSE(sys::exists(dir("g") + "/interfaces/0/prefix"));
    // A second interface with the guest's own address: spec::validate's rule.
    auto d = apply(paths_, "g", Edit().set("interfaces/1/ip", "192.0.2.10"));
    ASSERT_FALSE(d);
    EXPECT_FALSE(sys::exists(dir("g") + "/interfaces/1"));
    // Prefix with the mask gone in the same batch is fine.
    auto ok =
        apply(paths_, "g", Edit().set("interfaces/0/prefix", "16").unset("interfaces/0/mask"));
    ASSERT_TRUE(ok) << ok.error().what();
    EXPECT_EQ(ok->spec.interfaces.at(0).prefix, 16);
}

TEST_F(WriterTest, AFailingWriteLeavesTheOldFile) {
    auto p = prepare(paths_, "g", Edit().set("fstab", big_fstab()));
    ASSERT_TRUE(p) << p.error().what();
    auto before = names();
    auto s = commit_with_file_limit(*p, 4096);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, EFBIG) << s.error().what();
    EXPECT_EQ(read("fstab"), "none\t/proc\tproc\tdefaults\t0 0\n");
    EXPECT_EQ(names(), before);  // no temporary file left
}

TEST_F(WriterTest, AFailingBatchUndoesItsEarlierChanges) {
    ASSERT_EQ(::chmod((dir("g") + "/context").c_str(), 0600), 0);
    spec::Interface i;
    i.id = "5";
    i.ip = "192.0.2.15";
    i.dev = "br0";
    i.nodev = true;
    auto p = prepare(paths_, "g",
                     Edit()
                         .set("context", "40011")
                         .set("uts/nodename", "new.example")
                         .remove_dir("interfaces/0")
                         .set_interface(i)
                         .set("fstab", big_fstab()));
    ASSERT_TRUE(p) << p.error().what();
    auto before = names();
    ASSERT_FALSE(commit_with_file_limit(*p, 4096));
    EXPECT_EQ(read("context"), "40010\n");
    struct stat st {};
    ASSERT_EQ(::stat((dir("g") + "/context").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_FALSE(sys::exists(dir("g") + "/uts"));
    EXPECT_EQ(read("interfaces/0/ip"), "192.0.2.10\n");
    EXPECT_FALSE(sys::exists(dir("g") + "/interfaces/5"));
    EXPECT_EQ(names(), before);
    // The same batch without the failing write goes through whole, the mode kept.
    auto q = apply(paths_, "g",
                   Edit().set("context", "40011").remove_dir("interfaces/0").set_interface(i));
    ASSERT_TRUE(q) << q.error().what();
    EXPECT_EQ(read("context"), "40011\n");
    ASSERT_EQ(::stat((dir("g") + "/context").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_FALSE(sys::exists(dir("g") + "/interfaces/0"));
    EXPECT_EQ(read("interfaces/5/ip"), "192.0.2.15\n");
    EXPECT_EQ(read("interfaces/5/dev"), "br0\n");
    EXPECT_TRUE(sys::exists(dir("g") + "/interfaces/5/nodev"));
    ASSERT_EQ(q->spec.interfaces.size(), 1u);
    EXPECT_TRUE(q->spec.interfaces[0].nodev);
}

TEST_F(WriterTest, LaterChangesInOneBatchWinInsideANewDirectoryToo) {
    spec::Interface i;
    i.id = "6";
    i.ip = "192.0.2.16";
    i.mac = "02:00:00:00:00:16";
    auto r = apply(paths_, "g",
                   Edit()
                       .set_interface(i)
                       .unset("interfaces/6/mac")
                       .set("interfaces/7/ip", "192.0.2.17")
                       .remove_dir("interfaces/7")
                       .set("interfaces/0/ip", "192.0.2.11")
                       .unset("interfaces/0/ip")
                       .set("interfaces/0/ip", "192.0.2.12"));
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(read("interfaces/6/ip"), "192.0.2.16\n");
    EXPECT_FALSE(sys::exists(dir("g") + "/interfaces/6/mac"));
    EXPECT_FALSE(sys::exists(dir("g") + "/interfaces/7"));
    EXPECT_EQ(read("interfaces/0/ip"), "192.0.2.12\n");
    ASSERT_EQ(r->spec.interfaces.size(), 2u);
    EXPECT_TRUE(r->spec.interfaces[1].mac.empty());
}

TEST_F(WriterTest, NeverWritesThroughASymlink) {
    std::string outside = prefix_ + "/outside";
    ASSERT_TRUE(sys::write_file_atomic(outside, "40020\n"));
    ASSERT_TRUE(sys::remove_if_exists(dir("g") + "/context"));
    link("g", "context", outside);
    ASSERT_TRUE(apply(paths_, "g", Edit().set("context", "40021")));
    EXPECT_EQ(*sys::read_file(outside), "40020\n");
    EXPECT_FALSE(sys::readlink(dir("g") + "/context"));
    EXPECT_EQ(read("context"), "40021\n");
}

TEST_F(WriterTest, NeverWritesOrRemovesThroughASymlinkedDirectory) {
    std::string outside = prefix_ + "/outside";
    ASSERT_TRUE(sys::mkdir_p(outside + "/7"));
    ASSERT_TRUE(sys::write_file_atomic(outside + "/7/ip", "192.0.2.77\n"));
    ASSERT_TRUE(sys::write_file_atomic(outside + "/7/mac", "02:00:00:00:00:07\n"));
    link("g", "apps", outside);  // a symlinked directory: the loader does not follow it either
    auto w = apply(paths_, "g", Edit().set("apps/init/style", "sysv"));
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().code, ENOTDIR) << w.error().what();
    EXPECT_NE(w.error().message.find(dir("g") + "/apps"), std::string::npos) << w.error().message;
    EXPECT_FALSE(sys::exists(outside + "/init"));
    ASSERT_TRUE(sys::remove_if_exists(dir("g") + "/apps"));
    ASSERT_TRUE(fs::remove_path(dir("g") + "/interfaces"));
    link("g", "interfaces", outside);
    EXPECT_FALSE(apply(paths_, "g", Edit().unset("interfaces/7/mac")));
    EXPECT_FALSE(apply(paths_, "g", Edit().remove_dir("interfaces/7")));
    EXPECT_FALSE(apply(paths_, "g", Edit().set("interfaces/8/ip", "192.0.2.78")));
    EXPECT_EQ(*sys::read_file(outside + "/7/mac"), "02:00:00:00:00:07\n");
    EXPECT_TRUE(sys::exists(outside + "/7/ip"));
    EXPECT_FALSE(sys::exists(outside + "/8"));
}

TEST_F(WriterTest, KeepsUnknownFilesLinksAndARealVdir) {
    put("g", "notes.txt", "mine\n");
    ASSERT_TRUE(sys::mkdir_p(dir("g") + "/vdir/etc"));  // a real directory holding the root
    put("g", "scripts/pre-start", "#!/bin/sh\n");
    auto r = apply(paths_, "g", Edit().set("uts/nodename", "n.example").set_link("cache", "/c/g"));
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(read("notes.txt"), "mine\n");
    EXPECT_TRUE(sys::is_dir(dir("g") + "/vdir/etc"));
    EXPECT_EQ(r->spec.root, dir("g") + "/vdir");
    EXPECT_EQ(r->spec.cache_dir, "/c/g");
    EXPECT_EQ(*sys::readlink(dir("g") + "/cache"), "/c/g");
    ASSERT_EQ(r->spec.scripts.by_phase["pre-start"].size(), 1u);
    EXPECT_EQ(r->spec.scripts.by_phase["pre-start"][0], dir("g") + "/scripts/pre-start");
}

TEST_F(WriterTest, AMissingGuestIsRefused) {
    auto r = apply(paths_, "nope", Edit().set("context", "40011"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ENOENT);
    EXPECT_FALSE(sys::exists(dir("nope")));
}

TEST_F(WriterTest, ReadersSkipNamesInFlight) {
    EXPECT_TRUE(is_in_flight_name(".ip.tmp.123"));
    EXPECT_TRUE(is_in_flight_name(".5.tmp.123.new"));
    EXPECT_FALSE(is_in_flight_name("5"));
    EXPECT_FALSE(is_in_flight_name(".defaults"));
}

// ---- NewConfig -----------------------------------------------------------------------------

TEST_F(WriterTest, NewConfigIsStagedCheckedAndRenamedIn) {
    auto s = base_spec(paths_, "fresh");
    ASSERT_TRUE(s);
    s->context = 40030;
    s->interfaces.push_back({});
    s->interfaces.back().id = "0";
    s->interfaces.back().ip = "192.0.2.30";
    {
        auto n = NewConfig::stage(paths_, *s);
        ASSERT_TRUE(n) << n.error().what();
        EXPECT_FALSE(sys::exists(dir("fresh")));
        EXPECT_EQ(n->loaded().spec.context, 40030u);
        spec::Interface extra;
        extra.id = "1";
        extra.ip = "192.0.2.31";
        ASSERT_TRUE(n->edit(*base_spec(paths_, "fresh"), Edit().set_interface(extra)));
        EXPECT_EQ(n->loaded().spec.interfaces.size(), 2u);
        ASSERT_TRUE(n->commit(false));
    }
    auto l = load(paths_, "fresh");
    ASSERT_TRUE(l) << l.error().what();
    EXPECT_EQ(l->spec.interfaces.size(), 2u);
    EXPECT_TRUE(sys::readlink(dir("fresh") + "/run"));
    EXPECT_TRUE(sys::exists(dir("fresh") + "/fstab"));
    EXPECT_EQ(*sys::read_file(dir("fresh") + "/apps/init/style"), "plain\n");
    // Over an existing config only with replace; the replaced one goes with the object.
    s->context = 40031;
    {
        auto n = NewConfig::stage(paths_, *s);
        ASSERT_TRUE(n);
        auto r = n->commit(false);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, EEXIST);
        ASSERT_TRUE(n->commit(true));
    }
    EXPECT_EQ(*sys::read_file(dir("fresh") + "/context"), "40031\n");
    auto guests = list_guests(paths_);
    ASSERT_TRUE(guests);
    EXPECT_EQ(*guests, (std::vector<std::string>{"fresh", "g"}));
    EXPECT_EQ(names().size(), [&] {
        size_t n = 0;
        for (const auto& e : names()) n += e.find(".tmp.") == std::string::npos;
        return n;
    }());
}

TEST_F(WriterTest, NewConfigNotCommittedLeavesNothing) {
    paths_.config_dir = prefix_ + "/other-etc";
    auto s = base_spec(paths_, "gone");
    ASSERT_TRUE(s);
    {
        auto n = NewConfig::stage(paths_, *s);
        ASSERT_TRUE(n) << n.error().what();
    }
    EXPECT_FALSE(sys::exists(paths_.config_dir));
}

// ---- addresses of other guests ----------------------------------------------------------

TEST_F(WriterTest, AddressesOfOtherGuests) {
    put("h", "interfaces/0/ip", "192.0.2.20\n");
    put("h", "interfaces/1/ip", "2001:db8::20\n");
    put("h", "interfaces/2/ip", "192.0.2.22\n");
    put("h", "interfaces/2/disabled", "");
    put("h", "interfaces/3/ip", "192.0.2.23\n");
    put("h", "interfaces/3/disabled", "no\n");  // the bool key's own reading: not disabled
    put("bare", "context", "40040\n");
    auto r = addresses_of_other_guests(paths_, "g");
    ASSERT_TRUE(r) << r.error().what();
    std::vector<std::string> seen;
    for (const auto& a : *r) seen.push_back(a.guest + "/" + a.id + "=" + a.addr.str());
    EXPECT_EQ(seen,
              (std::vector<std::string>{"h/0=192.0.2.20", "h/1=2001:db8::20", "h/3=192.0.2.23"}));
    auto all = addresses_of_other_guests(paths_, "");
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 4u);  // g's own included
}

TEST_F(WriterTest, AnUnreadableOtherGuestIsAnErrorNamingItAndTheFile) {
    link("h", "interfaces/0/ip", prefix_ + "/nowhere");
    auto r = addresses_of_other_guests(paths_, "g");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("\"h\""), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(dir("h") + "/interfaces/0/ip"), std::string::npos)
        << r.error().message;
    // A bad value there is one too.
    ASSERT_TRUE(sys::remove_if_exists(dir("h") + "/interfaces/0/ip"));
    put("h", "interfaces/0/ip", "300.1.1.1\n");
    auto b = addresses_of_other_guests(paths_, "g");
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("300.1.1.1"), std::string::npos) << b.error().message;
    // The guest itself is never read.
    EXPECT_TRUE(addresses_of_other_guests(paths_, "h"));
    // A link to a FIFO is refused at once, never waited on (a key's file is never followed).
    ASSERT_TRUE(sys::remove_if_exists(dir("h") + "/interfaces/0/ip"));
    std::string fifo = prefix_ + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    link("h", "interfaces/0/ip", fifo);
    auto f = addresses_of_other_guests(paths_, "g");
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().message.find("is a symbolic link, not followed"), std::string::npos)
        << f.error().message;
}

}  // namespace
}  // namespace vs::config::vserver::test
