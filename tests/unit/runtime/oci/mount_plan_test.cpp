// config.json mounts -> mount ops: attributes, propagation, tmpcopyup, idmapped trees and
// linux.rootfsPropagation land in the ops the executor runs.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "config/oci/parse.hpp"
#include "runtime/oci/mount_plan.hpp"

namespace vs::runtime::oci {
namespace {

spec::oci::Spec parse(const std::string& mounts, const std::string& linux_extra) {
    std::string text = R"({"ociVersion": "1.0.2", "root": {"path": "/r"},
        "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
        "mounts": )" + mounts +
                       R"(, "linux": {)" + linux_extra +
                       R"("namespaces": [{"type": "mount"}, {"type": "user"}],
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}],
        "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}})";
    auto s = config::oci::parse_config(text, "/b");
    EXPECT_TRUE(s) << s.error().what();
    return s ? *s : spec::oci::Spec{};
}

const mount::Op* find(const mount::Plan& p, mount::OpKind k, const std::string& target) {
    for (const auto& o : p)
        if (o.kind == k && o.target == target) return &o;
    return nullptr;
}

TEST(OciMountPlan, OptionsReachTheOps) {
    auto s = parse(R"([
        {"destination": "/a", "type": "bind", "source": "/x", "options": ["rbind", "ro", "rw",
         "noatime", "rnosuid", "rslave"]},
        {"destination": "/t", "type": "tmpfs", "source": "tmpfs",
         "options": ["tmpcopyup", "nodev", "size=1m", "shared"]},
        {"destination": "/i", "type": "bind", "source": "/y", "options": ["bind", "idmap"]},
        {"destination": "/p", "type": "proc", "source": "proc", "options": ["rw"]}])",
                   R"("rootfsPropagation": "rshared",)");
    std::vector<size_t> idmapped;
    auto p = container_mount_plan(s, true, true, {}, &idmapped);
    ASSERT_TRUE(p) << p.error().what();
    const auto* a = find(*p, mount::OpKind::Bind, "/a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->what, "mounts[0]");
    EXPECT_EQ(a->attrs, spec::oci::kAttrNoatime);  // "rw" undid "ro"
    EXPECT_EQ(a->attrs_clr, spec::oci::kAttrRdonly | spec::oci::kAttrAtimeMask);
    EXPECT_EQ(a->rec_attrs_set, spec::oci::kAttrNosuid);
    EXPECT_EQ(a->propagation, MS_SLAVE | MS_REC);
    EXPECT_TRUE(a->recursive);
    EXPECT_EQ(a->tree, -1);
    const auto* t = find(*p, mount::OpKind::NewFs, "/t");
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->tmpcopyup);
    EXPECT_EQ(t->propagation, static_cast<unsigned long>(MS_SHARED));
    EXPECT_EQ(t->attrs & spec::oci::kAttrNodev, spec::oci::kAttrNodev);
    ASSERT_EQ(t->params.size(), 2u);  // size=1m and the nr_inodes bound build_plan adds
    EXPECT_EQ(t->params[0], (std::pair<std::string, std::string>{"size", "1m"}));
    const auto* i = find(*p, mount::OpKind::Bind, "/i");
    ASSERT_TRUE(i);
    EXPECT_EQ(i->tree, 0);
    EXPECT_EQ(idmapped, std::vector<size_t>{2});
    // A proc keeps the hardening build_plan gives it whatever config.json says.
    const auto* pr = find(*p, mount::OpKind::NewFs, "/p");
    ASSERT_TRUE(pr);
    EXPECT_EQ(pr->attrs & spec::oci::kAttrNosuid, spec::oci::kAttrNosuid);
    const auto* root = find(*p, mount::OpKind::MakeRslave, "/");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->propagation, MS_SHARED | MS_REC);
    EXPECT_EQ(root->source, "/r");
    const auto* pivot = find(*p, mount::OpKind::PivotRoot, "/");
    ASSERT_TRUE(pivot);
    EXPECT_EQ(pivot->propagation, MS_SHARED | MS_REC);
}

TEST(OciMountPlan, DefaultRootStaysRslave) {
    auto s = parse("[]", R"("rootfsPropagation": "private",)");
    auto p = container_mount_plan(s, true, true, {});
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(find(*p, mount::OpKind::MakeRslave, "/")->propagation,
              static_cast<unsigned long>(MS_PRIVATE));
    EXPECT_EQ(find(*p, mount::OpKind::PivotRoot, "/")->propagation, 0u);
    s = parse("[]", "");
    p = container_mount_plan(s, true, true, {});
    ASSERT_TRUE(p);
    EXPECT_EQ(find(*p, mount::OpKind::MakeRslave, "/")->propagation, 0u);
}

// Without a network namespace of its own a sysfs is the host's /sys bound: "rw"
// (or "suid") cannot undo the restrictions build_plan gives it.
TEST(OciMountPlan, ForcedRestrictionsStay) {
    auto s = parse(R"([{"destination": "/s", "type": "sysfs", "source": "sysfs",
                        "options": ["rw", "suid"]}])",
                   "");
    auto p = container_mount_plan(s, false, true, {});
    ASSERT_TRUE(p) << p.error().what();
    const auto* b = find(*p, mount::OpKind::Bind, "/s");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->attrs & spec::oci::kAttrRdonly, spec::oci::kAttrRdonly);
    EXPECT_EQ(b->attrs & spec::oci::kAttrNosuid, spec::oci::kAttrNosuid);
    EXPECT_EQ(b->attrs_clr & (spec::oci::kAttrRdonly | spec::oci::kAttrNosuid), 0u);
}

TEST(OciMountPlan, PropagationFlags) {
    using spec::oci::Propagation;
    EXPECT_EQ(propagation_flags({Propagation::None, true}), 0u);
    EXPECT_EQ(propagation_flags({Propagation::Unbindable, false}),
              static_cast<unsigned long>(MS_UNBINDABLE));
    EXPECT_EQ(propagation_flags({Propagation::Private, true}), MS_PRIVATE | MS_REC);
}

}  // namespace
}  // namespace vs::runtime::oci
