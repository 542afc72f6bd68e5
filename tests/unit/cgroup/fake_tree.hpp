// FakeTree: a cgroupfs look-alike in a temp dir (plain dirs and files) for the unit tests.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <initializer_list>
#include <string>

#include "base/sys.hpp"
#include "cgroup/manager.hpp"
#include "fs/remove.hpp"

namespace vs::test {

struct FakeTree {
    std::string root;

    FakeTree() {
        char tmpl[] = "/tmp/vs-cgfake-XXXXXX";
        root = ::mkdtemp(tmpl);
    }
    ~FakeTree() { (void)fs::remove_path(root); }

    std::string path(const std::string& rel) const { return root + "/" + rel; }
    void dir(const std::string& rel) const { (void)sys::mkdir_p(path(rel)); }
    /// Creates (or overwrites) a file, making its directory first.
    void file(const std::string& rel, const std::string& content = "") const {
        auto slash = rel.rfind('/');
        if (slash != std::string::npos) dir(rel.substr(0, slash));
        // No fsync (write_file_atomic): a fake tree needs no durability, and fsync is slow.
        std::ofstream(path(rel), std::ios::trunc) << content;
    }
    void files(const std::string& dir_rel, std::initializer_list<const char*> names) const {
        for (const char* n : names) file(dir_rel + "/" + n);
    }
    std::string read(const std::string& rel) const {
        auto r = sys::read_file(path(rel));
        return r ? *r : std::string("<missing>");
    }
    bool has(const std::string& rel) const { return sys::exists(path(rel)); }

    /// v1 like this CI machine, but with cpu and cpuacct co-mounted behind symlinks (systemd's
    /// usual layout) and a named hierarchy.
    void make_v1() const {
        for (const char* h :
             {"cpu,cpuacct", "memory", "pids", "cpuset", "freezer", "blkio", "systemd"})
            dir(h);
        (void)sys::symlink("cpu,cpuacct", path("cpu"));
        (void)sys::symlink("cpu,cpuacct", path("cpuacct"));
        file("cpuset/cpuset.cpus", "0-3\n");
        file("cpuset/cpuset.mems", "0\n");
    }
    void make_v2(const std::string& at = "",
                 const std::string& controllers = "cpuset cpu io memory hugetlb pids") const {
        std::string base = at.empty() ? "" : at + "/";
        file(base + "cgroup.controllers", controllers + "\n");
        file(base + "cgroup.subtree_control", "");
    }

    cgroup::Options options(cgroup::Layout l, const std::string& parent = "vserver",
                            const std::string& name = "web1") const {
        cgroup::Options o;
        o.root = root;
        o.parent = parent;
        o.name = name;
        o.layout = l;
        o.timeout_ms = 200;
        return o;
    }
};

}  // namespace vs::test
