// allocate_context: counter, skipping used contexts, .defaults, and concurrent callers.
#include "config/vserver/context_alloc.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "config/vserver/defaults.hpp"
#include "config/vserver/tree.hpp"
#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

TEST_F(TreeTest, AllocatesFrom40000AndCounts) {
    EXPECT_EQ(*allocate_context(paths_), 40000u);
    EXPECT_EQ(*allocate_context(paths_), 40001u);
    auto next = sys::read_file(paths_.config_dir + "/.defaults/context.next");
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, "40002\n");
}

TEST_F(TreeTest, SkipsContextsOfExistingGuests) {
    put("a", "context", "40000");
    put("b", "context", "40001\n");
    put("c", "context", "garbage");  // a broken guest does not block the build of another
    EXPECT_EQ(*allocate_context(paths_), 40002u);
}

TEST_F(TreeTest, HonoursContextStartAndWraps) {
    ASSERT_TRUE(sys::mkdir_p(paths_.config_dir + "/.defaults"));
    ASSERT_TRUE(sys::write_file_atomic(paths_.config_dir + "/.defaults/context.start", "500\n"));
    EXPECT_EQ(*allocate_context(paths_), 500u);
    put("five", "context", "500");
    ASSERT_TRUE(sys::write_file_atomic(paths_.config_dir + "/.defaults/context.next", "49151\n"));
    put("top", "context", "49151");
    EXPECT_EQ(*allocate_context(paths_), 501u);  // wrapped past the top
}

TEST_F(TreeTest, BadCounterIsAnError) {
    ASSERT_TRUE(sys::mkdir_p(paths_.config_dir + "/.defaults"));
    ASSERT_TRUE(sys::write_file_atomic(paths_.config_dir + "/.defaults/context.next", "abc\n"));
    auto r = allocate_context(paths_);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("context.next"), std::string::npos);
    EXPECT_NE(r.error().message.find("abc"), std::string::npos);
}

TEST_F(TreeTest, ConcurrentCallersGetDistinctContexts) {
    constexpr int kProcs = 8;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::vector<pid_t> kids;
    for (int i = 0; i < kProcs; ++i) {
        pid_t p = ::fork();
        ASSERT_GE(p, 0);
        if (p == 0) {
            auto c = allocate_context(paths_);
            uint32_t v = c ? *c : 0;
            (void)!::write(fds[1], &v, sizeof v);
            ::_exit(c ? 0 : 1);
        }
        kids.push_back(p);
    }
    ::close(fds[1]);
    for (pid_t p : kids) {
        int st = 0;
        ASSERT_EQ(::waitpid(p, &st, 0), p);
        EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    std::set<uint32_t> got;
    uint32_t v;
    while (::read(fds[0], &v, sizeof v) == sizeof v) got.insert(v);
    ::close(fds[0]);
    EXPECT_EQ(got.size(), static_cast<size_t>(kProcs));
    EXPECT_EQ(*got.begin(), 40000u);
    EXPECT_EQ(*got.rbegin(), 40000u + kProcs - 1);
}

TEST_F(TreeTest, GlobalDefaults) {
    auto d = load_defaults(paths_);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->context_start, 40000u);
    EXPECT_EQ(d->fstab.size(), 3u);
    EXPECT_EQ(d->shell, "");
    ASSERT_TRUE(sys::mkdir_p(paths_.config_dir + "/.defaults"));
    ASSERT_TRUE(sys::write_file_atomic(paths_.config_dir + "/.defaults/shell", "/bin/zsh\n"));
    ASSERT_TRUE(sys::write_file_atomic(paths_.config_dir + "/.defaults/fstab",
                                       "none /proc proc defaults\n"));
    d = load_defaults(paths_);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->shell, "/bin/zsh");
    EXPECT_EQ(d->fstab.size(), 1u);
    // A guest without its own shell gets the default, and saving does not freeze it in.
    put("g", "context", "40050");
    auto r = load(paths_, "g");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->spec.shell, "/bin/zsh");
    ASSERT_TRUE(save(r->spec, dir("g")));
    EXPECT_FALSE(sys::exists(dir("g") + "/shell"));
    ASSERT_TRUE(sys::write_file_atomic(paths_.config_dir + "/.defaults/shell", "bash\n"));
    EXPECT_FALSE(load_defaults(paths_));
}

}  // namespace
}  // namespace vs::config::vserver::test
