// config/oci: every refusal names the JSON path and the value; unknown properties are ignored
// and reported; config.json is read only as a bounded regular file.
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "../../base/temp_dir.hpp"
#include "config/oci/parse.hpp"
#include "config/oci/to_guest_spec.hpp"

namespace vs::config::oci {

namespace {

using json = nlohmann::json;

/// A small valid config every case below breaks in one place.
json base() {
    return json::parse(R"({
        "ociVersion": "1.1.0",
        "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh"], "cwd": "/",
                    "env": ["PATH=/bin"],
                    "capabilities": {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"]},
                    "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 20}]},
        "root": {"path": "rootfs"},
        "hostname": "h",
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                   {"destination": "/data", "type": "bind", "source": "/srv/data",
                    "options": ["rbind", "ro"]}],
        "hooks": {"prestart": [{"path": "/bin/true"}]},
        "annotations": {"a.b": "c"},
        "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}],
                  "resources": {"devices": [{"allow": false, "access": "rwm"}]},
                  "seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                              "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO",
                                            "args": [{"index": 0, "value": 1,
                                                      "op": "SCMP_CMP_EQ"}]}]}}
    })");
}

std::string error_of(const json& j) {
    auto s = parse_config(j.dump(), "/b");
    return s ? std::string("(parsed)") : s.error().message;
}

struct Case {
    const char* pointer;  ///< JSON pointer to set ("" = remove `remove`)
    const char* value;    ///< JSON text; nullptr: remove the member
    const char* message;  ///< the whole error
};

const Case kCases[] = {
    {"/ociVersion", R"("2.0.0")",
     R"(ociVersion: unsupported version "2.0.0" (1.0.x, 1.1.x and 1.2.x are read))"},
    {"/ociVersion", R"("1.1")",
     R"(ociVersion: unsupported version "1.1" (1.0.x, 1.1.x and 1.2.x are read))"},
    {"/ociVersion", nullptr, "ociVersion: required"},
    {"/ociVersion", "1", "ociVersion: expected a string, got 1"},
    {"/root", nullptr, "root: required on Linux: the container's root filesystem"},
    {"/root/path", R"("")", "root.path: empty"},
    {"/linux", nullptr, "linux: required on Linux (at least the namespaces)"},
    {"/hostname", R"("a b")", R"(hostname: invalid hostname "a b": contains ' ')"},
    {"/annotations/x.y", "3", R"(annotations["x.y"]: expected a string, got 3)"},
    {"/annotations", "[]", "annotations: expected an object, got an array"},
    {"/process/user/uid", R"("abc")",
     R"(process.user.uid: expected an unsigned integer, got "abc")"},
    {"/process/user/uid", "-1", "process.user.uid: expected an unsigned integer, got -1"},
    {"/process/user/gid", "4294967296",
     "process.user.gid: 4294967296 is out of range for a 32-bit unsigned integer"},
    {"/process/user/gid", "1.5", "process.user.gid: expected an unsigned integer, got 1.5"},
    {"/process/user/umask", "512", "process.user.umask: 01000 is not a umask (0..0777)"},
    {"/process/user", nullptr, "process.user: required (uid and gid)"},
    {"/process/args", "[]", "process.args: required: at least the program to run"},
    {"/process/args/0", R"("a\u0000b")", R"(process.args[0]: "a\0b" holds a NUL byte)"},
    {"/process/env/1", R"("NOEQUALS")", R"(process.env[1]: "NOEQUALS" is not KEY=value)"},
    {"/process/cwd", R"("work")", R"(process.cwd: "work" is not an absolute path)"},
    {"/process/cwd", nullptr, "process.cwd: required"},
    {"/process/terminal", R"("yes")", R"(process.terminal: expected true or false, got "yes")"},
    {"/process/consoleSize", R"({"height": 1})", "process.consoleSize.width: required"},
    {"/linux/resources/memory", R"({"swappiness": 101})",
     "linux.resources.memory.swappiness: 101 is out of range 0..100"},
    {"/process/capabilities/bounding/1", R"("CAP_FOO")",
     R"(process.capabilities.bounding[1]: unknown capability "CAP_FOO")"},
    {"/process/capabilities/effective", R"(["net_raw"])",
     R"(process.capabilities.effective[0]: unknown capability "net_raw")"},
    {"/process/rlimits/0/type", R"("RLIMIT_FOO")",
     R"(process.rlimits[0].type: unknown rlimit "RLIMIT_FOO")"},
    {"/process/rlimits/0/soft", "30", "process.rlimits[0]: soft limit 30 above hard limit 20"},
    {"/process/rlimits/0/hard", nullptr, "process.rlimits[0].hard: required"},
    {"/process/rlimits/1", R"({"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1})",
     "process.rlimits[1].type: RLIMIT_NOFILE given twice"},
    {"/process/oomScoreAdj", "2000", "process.oomScoreAdj: 2000 is out of range -1000..1000"},
    {"/process/scheduler", R"({"policy": "SCHED_OTHER"})",
     "process.scheduler: not supported: vsrun sets no scheduling policy (sched_setattr)"},
    {"/process/ioPriority", R"({"class": "IOPRIO_CLASS_IDLE"})",
     "process.ioPriority: not supported: vsrun sets no I/O priority (ioprio_set)"},
    {"/mounts/1/destination", R"("data")",
     R"(mounts[1].destination: "data" is not an absolute path)"},
    {"/mounts/1/destination", R"("/a/../etc")",
     R"(mounts[1].destination: "/a/../etc" has a ".." component)"},
    {"/mounts/0/destination", nullptr, "mounts[0].destination: required"},
    {"/mounts/1/options/1", R"("remount")",
     "mounts[1].options[1]: \"remount\" is not supported: a new container has nothing to "
     "remount"},
    {"/mounts/1/options/1", R"("size=1m")",
     R"(mounts[1].options: "size" means nothing for a bind mount)"},
    {"/mounts/1/options/1", R"("a,b")",
     R"(mounts[1].options[1]: "a,b" holds a ',': one option per entry)"},
    {"/mounts/1/source", nullptr, "mounts[1].source: required for a bind mount"},
    {"/mounts/1/source", R"("srv")", R"(mounts[1].source: "srv" is not an absolute path)"},
    {"/mounts/0/type", nullptr, "mounts[0].type: required unless the mount is a bind mount"},
    {"/mounts/0/options", R"(["tmpcopyup"])",
     R"(mounts[0].options: "tmpcopyup" is for tmpfs, not "proc")"},
    {"/mounts/0/options", R"(["rro"])",
     "mounts[0].options: recursive options (rro, rnosuid, ...) are for bind mounts"},
    {"/mounts/1/options/1", R"("idmap")",
     "mounts[1]: \"idmap\" without uidMappings needs a user namespace"},
    {"/mounts/1/uidMappings", R"([{"containerID": 0, "hostID": 1000, "size": 1}])",
     "mounts[1]: uidMappings and gidMappings go together"},
    {"/hooks/prestart/0/timeout", "0",
     "hooks.prestart[0].timeout: 0 is out of range 1..2147483647"},
    {"/hooks/poststart", R"([{"path": "true"}])",
     R"(hooks.poststart[0].path: "true" is not an absolute path)"},
    {"/hooks/poststop", R"([{"path": "/x", "env": ["A"]}])",
     R"(hooks.poststop[0].env[0]: "A" is not KEY=value)"},
    {"/linux/namespaces/2/type", R"("foo")",
     R"(linux.namespaces[2].type: unknown namespace "foo")"},
    {"/linux/namespaces/2/type", R"("pid")",
     R"(linux.namespaces[2].type: namespace "pid" given twice)"},
    {"/linux/namespaces/2/path", R"("proc/1/ns/uts")",
     R"(linux.namespaces[2].path: "proc/1/ns/uts" is not an absolute path)"},
    {"/linux/namespaces/2", R"({"type": "user"})",
     "linux.uidMappings: required with a new user namespace"},
    {"/linux/uidMappings", R"([{"containerID": 0, "hostID": 1000, "size": 10}])",
     "linux.uidMappings: id mappings given, but linux.namespaces has no user namespace"},
    {"/linux/uidMappings", R"([{"containerID": 0, "hostID": 1000, "size": 0}])",
     "linux.uidMappings[0].size: 0 ids"},
    {"/linux/uidMappings",
     R"([{"containerID": 0, "hostID": 1, "size": 10},)"
     R"( {"containerID": 5, "hostID": 100, "size": 10}])",
     "linux.uidMappings[1]: container ids 5+10 overlap an earlier mapping"},
    {"/linux/namespaces/2", R"({"type": "ipc"})",
     R"(hostname: "h" needs a uts namespace in linux.namespaces)"},
    {"/linux/sysctl", R"({"vm.swappiness": "10"})",
     R"(linux.sysctl["vm.swappiness"]: not in a namespace of the container: )"
     "it would change the host"},
    {"/linux/sysctl", R"({"kernel.pid_max": "10"})",
     R"(linux.sysctl["kernel.pid_max"]: not in a namespace of the container: )"
     "it would change the host"},
    {"/linux/sysctl", R"({"net.ipv4.ip_forward": "1"})",
     R"(linux.sysctl["net.ipv4.ip_forward"]: linux.namespaces has no network namespace )"
     "for it"},
    {"/linux/sysctl", R"({"kernel.shmmax": "1"})",
     R"(linux.sysctl["kernel.shmmax"]: linux.namespaces has no ipc namespace for it)"},
    {"/linux/sysctl", R"({"net/../../sysrq-trigger": "b"})",
     R"(linux.sysctl["net/../../sysrq-trigger"]: not a sysctl name)"},
    {"/linux/sysctl", R"({"kernel.hostname": "other"})",
     R"(linux.sysctl["kernel.hostname"]: "other" conflicts with hostname "h")"},
    {"/linux/sysctl", R"({"net.core.somaxconn": 5})",
     R"(linux.sysctl["net.core.somaxconn"]: expected a string, got 5)"},
    {"/linux/intelRdt", R"({"closID": "x"})",
     "linux.intelRdt: not supported: Intel RDT (resctrl) is not managed by vsrun"},
    {"/linux/timeOffsets", R"({"monotonic": {"secs": 1}})",
     "linux.timeOffsets: needs a time namespace in linux.namespaces"},
    {"/linux/timeOffsets", R"({"realtime": {"secs": 1}})",
     R"(linux.timeOffsets.realtime: unknown clock (monotonic, boottime))"},
    {"/linux/personality", R"({"domain": "LINUX64"})",
     R"(linux.personality.domain: unknown domain "LINUX64" (LINUX, LINUX32))"},
    {"/linux/personality", R"({"domain": "LINUX", "flags": ["X"]})",
     R"(linux.personality.flags[0]: unknown personality flag "X")"},
    {"/linux/rootfsPropagation", R"("none")",
     R"(linux.rootfsPropagation: unknown propagation "none" (private, shared, slave, )"
     "unbindable, each also with r)"},
    {"/linux/cgroupsPath", R"("/a/../../b")",
     R"(linux.cgroupsPath: "/a/../../b" has a ".." component)"},
    {"/linux/devices", R"([{"type": "x", "path": "/dev/x"}])",
     R"(linux.devices[0].type: unknown type "x" (c, b, u, p))"},
    {"/linux/devices", R"([{"type": "c", "path": "/dev/x", "major": 1}])",
     "linux.devices[0].minor: required for a c device"},
    {"/linux/devices",
     R"([{"type": "c", "path": "/dev/x", "major": 1, "minor": 2, "fileMode": 65535}])",
     "linux.devices[0].fileMode: 0177777 is not a permission mode"},
    {"/linux/resources/devices/0/access", R"("rwx")",
     R"(linux.resources.devices[0].access: "rwx" is not a subset of "rwm")"},
    {"/linux/resources/devices/0/allow", nullptr, "linux.resources.devices[0].allow: required"},
    {"/linux/resources/memory", R"({"limit": -2})",
     "linux.resources.memory.limit: -2 is out of range -1..9223372036854775807"},
    {"/linux/resources/memory", R"({"limit": 100, "swap": 50})",
     "linux.resources.memory.swap: 50 is below limit 100: swap is memory plus swap"},
    {"/linux/resources/memory", R"({"kernel": 1000})",
     "linux.resources.memory.kernel: not supported: kernel memory limits are gone from Linux "
     "5.16 on"},
    {"/linux/resources/cpu", R"({"shares": 1})",
     "linux.resources.cpu.shares: 1 is out of range 2..262144"},
    {"/linux/resources/cpu", R"({"cpus": "0-a"})",
     R"(linux.resources.cpu.cpus: "0-a" is not a cpuset list ("0-3,5"))"},
    {"/linux/resources/pids", R"({"limit": -5})",
     "linux.resources.pids.limit: -5 is out of range -1..9223372036854775807"},
    {"/linux/resources/hugepageLimits", R"([{"pageSize": "2M", "limit": 1}])",
     R"(linux.resources.hugepageLimits[0].pageSize: "2M" is not a page size ("2MB"))"},
    {"/linux/resources/unified", R"({"../memory.max": "1"})",
     R"(linux.resources.unified["../memory.max"]: not a cgroup v2 "controller.file" name)"},
    {"/linux/resources/blockIO", R"({"weight": 5})",
     "linux.resources.blockIO.weight: 5 is out of range 10..1000"},
    {"/linux/seccomp/defaultAction", R"("SCMP_ACT_FOO")",
     R"(linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_FOO")"},
    {"/linux/seccomp/defaultAction", R"("SCMP_ACT_NOTIFY")",
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
    {"/linux/seccomp/architectures", R"(["SCMP_ARCH_FOO"])",
     R"(linux.seccomp.architectures[0]: unknown seccomp architecture "SCMP_ARCH_FOO")"},
    {"/linux/seccomp/flags", R"(["SECCOMP_FILTER_FLAG_NEW_LISTENER"])",
     R"(linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_NEW_LISTENER")"},
    {"/linux/seccomp/syscalls/0/args/0/index", "6",
     "linux.seccomp.syscalls[0].args[0].index: 6 is out of range 0..5"},
    {"/linux/seccomp/syscalls/0/args/0/op", R"("SCMP_CMP_XX")",
     R"(linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_XX")"},
    {"/linux/seccomp/syscalls/0/names/0", R"("Ptrace;")",
     R"(linux.seccomp.syscalls[0].names[0]: "Ptrace;" is not a syscall name)"},
    {"/linux/seccomp/syscalls/0/action", R"("SCMP_ACT_NOTIFY")",
     "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY"},
    {"/linux/seccomp/defaultErrnoRet", "1",
     "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return a value"},
};

}  // namespace

TEST(OciErrors, BaseParses) { EXPECT_EQ(error_of(base()), "(parsed)"); }

TEST(OciErrors, EachNamesItsJsonPathAndValue) {
    for (const auto& c : kCases) {
        json j = base();
        json::json_pointer ptr(c.pointer);
        if (c.value)
            j[ptr] = json::parse(c.value);
        else
            j[ptr.parent_pointer()].erase(ptr.back());
        EXPECT_EQ(error_of(j), c.message)
            << "case " << c.pointer << " = " << (c.value ? c.value : "(removed)");
    }
}

TEST(OciErrors, NotJsonOrNotAnObject) {
    auto e = parse_config("{\"ociVersion\": ", "/b");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().message.rfind("not valid JSON: parse error at line 1, column 16", 0), 0u)
        << e.error().what();
    auto a = parse_config("[1]", "/b");
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().message, "expected a JSON object, got an array");
    // Deep nesting is an error or a value, never a crash (the fuzz target's concern too).
    std::string deep = std::string(20000, '[') + std::string(20000, ']');
    EXPECT_FALSE(parse_config(deep, "/b"));
    EXPECT_FALSE(parse_config(std::string(20000, '['), "/b"));
    // Built as text: nlohmann's dump() recurses, its parser and destructor do not.
    std::string text = base().dump();
    const std::string ann = R"("annotations":{"a.b":"c"})";
    ASSERT_NE(text.find(ann), std::string::npos);
    text.replace(text.find(ann), ann.size(), R"("annotations":{"x":)" + deep + "}");
    auto nested = parse_config(text, "/b");
    ASSERT_FALSE(nested);
    EXPECT_EQ(nested.error().message, "annotations.x: expected a string, got an array");
}

TEST(OciErrors, NullIsAbsentAsInGo) {
    json j = base();
    j["linux"]["seccomp"] = nullptr;
    j["process"]["capabilities"] = nullptr;
    j["hooks"] = nullptr;
    auto s = parse_config(j.dump(), "/b");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_FALSE(s->linux.seccomp);
    EXPECT_FALSE(s->process->capabilities);
}

TEST(OciErrors, UnknownPropertiesAreIgnoredAndReported) {
    json j = base();
    j["newTopLevel"] = 1;
    j["process"]["user"]["nickname"] = "x";
    j["linux"]["seccomp"]["syscalls"][0]["args"][0]["future"] = true;
    j["mounts"][0]["extra"] = {};
    j["windows"] = json::object();  // another platform's section: known, ignored
    Ignored ignored;
    auto s = parse_config(j.dump(), "/b", &ignored);
    ASSERT_TRUE(s) << s.error().message;
    std::sort(ignored.begin(), ignored.end());
    EXPECT_EQ(ignored, (Ignored{"linux.seccomp.syscalls[0].args[0].future", "mounts[0].extra",
                                "newTopLevel", "process.user.nickname"}));
}

TEST(OciErrors, ToGuestSpecRefusals) {
    json j = base();
    j["linux"]["resources"]["memory"] = {{"swap", 100}};
    auto s = parse_config(j.dump(), "/b");
    ASSERT_TRUE(s) << s.error().message;
    auto g = to_guest_spec(*s, "c1");
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().message,
              "linux.resources.memory.swap: 100 given without memory.limit (swap is the limit of "
              "memory plus swap)");
    auto bad = to_guest_spec(*parse_config(base().dump(), "/b"), "../x");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.rfind("container id: invalid guest name \"../x\"", 0), 0u)
        << bad.error().what();
}

TEST(OciErrors, ProcessAndResourcesOnTheirOwn) {
    auto p = parse_process(R"({"user": {"uid": 1, "gid": 2}, "args": ["ls"], "cwd": "/tmp",
                               "terminal": true})");
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->user.gid, 2u);
    EXPECT_TRUE(p->terminal);
    auto bad = parse_process(R"({"user": {"uid": 1, "gid": 2}, "args": ["ls"], "cwd": "x"})");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, R"(cwd: "x" is not an absolute path)");
    auto r = parse_resources(R"({"memory": {"limit": 1048576}, "pids": {"limit": 10}})");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->memory->limit, 1048576);
    for (const char* unset : {"-1", "18446744073709551615"}) {
        auto sw = parse_resources(fmt::format(R"({{"memory": {{"swappiness": {}}}}})", unset));
        ASSERT_TRUE(sw) << sw.error().message;
        EXPECT_FALSE(sw->memory->swappiness) << unset;
    }
    EXPECT_EQ(parse_resources(R"({"memory": {"swappiness": 60}})")->memory->swappiness, 60u);
    auto rbad = parse_resources(R"({"pids": {"limit": "x"}})");
    ASSERT_FALSE(rbad);
    EXPECT_EQ(rbad.error().message, R"(pids.limit: expected an integer, got "x")");
}

TEST(OciErrors, ReadBundleReadsOnlyABoundedRegularFile) {
    test::TempDir t;
    ASSERT_FALSE(t.path.empty());
    std::ofstream(t.path + "/config.json") << base().dump();
    auto s = read_bundle(t.path);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->bundle, t.path);
    EXPECT_EQ(s->root->path, t.path + "/rootfs");

    // A FIFO would block the open; it is refused before.
    test::TempDir f;
    ASSERT_EQ(::mkfifo((f.path + "/config.json").c_str(), 0600), 0);
    auto fifo = read_bundle(f.path);
    ASSERT_FALSE(fifo);
    EXPECT_NE(fifo.error().what().find("is a FIFO, not a regular file"), std::string::npos)
        << fifo.error().what();

    test::TempDir big;
    {
        std::ofstream out(big.path + "/config.json");
        out << std::string(kMaxConfigBytes + 1, ' ');
    }
    auto large = read_bundle(big.path);
    ASSERT_FALSE(large);
    EXPECT_NE(large.error().what().find("is too large"), std::string::npos) << large.error().what();

    // Errors inside the file start with its path.
    json j = base();
    j["linux"]["namespaces"][1]["type"] = "foo";
    std::ofstream(t.path + "/config.json") << j.dump();
    auto e = read_bundle(t.path);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().message,
              t.path + "/config.json: linux.namespaces[1].type: unknown namespace \"foo\"");

    test::TempDir none;
    auto missing = read_bundle(none.path);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ENOENT);
}

TEST(OciErrors, SupportedVersions) {
    for (const char* v : {"1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.0", "1.2.1+build.5"})
        EXPECT_TRUE(supported_version(v)) << v;
    for (const char* v :
         {"", "1", "1.3.0", "0.9.0", "2.0.0", "1.0", "1.0.x", "1.0.0-", "v1.0.0", "01.0.0x"})
        EXPECT_FALSE(supported_version(v)) << v;
}

}  // namespace vs::config::oci
