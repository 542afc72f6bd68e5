// Privileged tests for caps::apply_sets (an OCI process's user change and five sets): a set
// without CAP_SETUID/CAP_SETGID still changes user, the groups are exactly the ones asked, and
// a user namespace whose setgroups is "deny" is handled as docs/oci.md says.
#include "caps/sets.hpp"

#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <unistd.h>

#include <string>

#include "base/sys.hpp"
#include "caps/apply.hpp"
#include "priv/caps/in_child.hpp"

namespace vs {
namespace {

using testing::Report;
using testing::run_in_child;

constexpr uint64_t bit(int c) { return uint64_t{1} << c; }

TEST(CapsSets, UserChangeWithoutSetuidKeepsTheNamedSets) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    auto known = caps::kernel_mask();
    ASSERT_TRUE(known) << known.error().what();
    // What we run with may already lack some (a container's bounding set).
    auto self = caps::read_status();
    ASSERT_TRUE(self) << self.error().what();
    const uint64_t bounding = self->bounding & *known & ~(bit(CAP_SETUID) | bit(CAP_SETGID));
    Report r = run_in_child([&](Report& out) {
        // The caller's supplementary groups must not survive.
        gid_t dirty[] = {4242};
        setgroups(1, dirty);
        caps::Sets s{bounding, bit(CAP_KILL), bit(CAP_KILL), bit(CAP_KILL), bit(CAP_KILL)};
        auto a = caps::apply_sets(s, 1000, 1000, {});
        out["apply"] = a ? "ok" : a.error().what();
        out["ids"] = std::to_string(getuid()) + ":" + std::to_string(getgid());
        out["groups"] = std::to_string(getgroups(0, nullptr));
        auto st = caps::read_status();
        if (!st) return;
        out["eff"] = caps::format_mask(st->effective);
        out["amb"] = caps::format_mask(st->ambient);
        out["bnd"] = caps::format_mask(st->bounding);
    });
    EXPECT_EQ(r["apply"], "ok");
    EXPECT_EQ(r["ids"], "1000:1000");
    EXPECT_EQ(r["groups"], "0");
    EXPECT_EQ(r["eff"], caps::format_mask(bit(CAP_KILL)));
    EXPECT_EQ(r["amb"], caps::format_mask(bit(CAP_KILL)));
    EXPECT_EQ(r["bnd"], caps::format_mask(bounding));
}

TEST(CapsSets, SetgroupsDeniedUserNamespace) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    auto known = caps::kernel_mask();
    ASSERT_TRUE(known) << known.error().what();
    Report r = run_in_child([&](Report& out) {
        // A namespace of our own with setgroups denied, mapping only our own ids (0), as an
        // unprivileged creator's would be (user_namespaces(7)).
        if (unshare(CLONE_NEWUSER) != 0) {
            out["setup"] = "unshare";
            return;
        }
        if (!sys::write_file("/proc/self/setgroups", "deny") ||
            !sys::write_file("/proc/self/uid_map", "0 0 1") ||
            !sys::write_file("/proc/self/gid_map", "0 0 1")) {
            out["setup"] = "maps";
            return;
        }
        out["setup"] = "ok";
        caps::Sets s{*known, *known, *known, 0, 0};
        auto asked = caps::apply_sets(s, 0, 0, {7});
        out["asked"] = asked ? "ok" : asked.error().what();
        auto none = caps::apply_sets(s, 0, 0, {});
        out["none"] = none ? "ok" : none.error().what();
    });
    ASSERT_EQ(r["setup"], "ok");
    EXPECT_NE(r["asked"].find("the user namespace denies it"), std::string::npos) << r["asked"];
    EXPECT_EQ(r["none"], "ok");
}

}  // namespace
}  // namespace vs
