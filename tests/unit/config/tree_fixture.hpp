// Test fixture: a temporary VSERVER_PREFIX with helpers to write config files.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "base/sys.hpp"
#include "config/paths.hpp"
#include "fs/remove.hpp"

namespace vs::config::vserver::test {

class TreeTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-config-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        prefix_ = tmpl;
        paths_.config_dir = prefix_ + "/etc/vservers";
        paths_.vdir_base = prefix_ + "/var/lib/vservers";
        paths_.run_dir = prefix_ + "/run/vservers";
        paths_.cache_base = prefix_ + "/var/cache/vservers";
        paths_.cgroup_parent = "vstest";
        paths_.cgroup_root = prefix_ + "/cgroup";
        ASSERT_TRUE(sys::mkdir_p(paths_.config_dir));
    }
    void TearDown() override { (void)fs::remove_path(prefix_); }

    std::string dir(const std::string& guest) const { return paths_.guest_config(guest); }

    /// Writes <config>/<guest>/<rel> with `content`, creating parents.
    void put(const std::string& guest, const std::string& rel, const std::string& content) {
        std::string p = dir(guest) + "/" + rel;
        ASSERT_TRUE(sys::mkdir_p(p.substr(0, p.rfind('/'))));
        ASSERT_TRUE(sys::write_file_atomic(p, content));
    }
    void link(const std::string& guest, const std::string& rel, const std::string& target) {
        std::string p = dir(guest) + "/" + rel;
        ASSERT_TRUE(sys::mkdir_p(p.substr(0, p.rfind('/'))));
        ASSERT_TRUE(sys::symlink(target, p));
    }

    std::string prefix_;
    Paths paths_;
};

}  // namespace vs::config::vserver::test
