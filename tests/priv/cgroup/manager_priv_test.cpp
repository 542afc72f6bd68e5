// cgroup::Manager on this host's real cgroups: every test works under a random parent
// (vstest-<random>) and kills only processes it forked; teardown removes the parent everywhere.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <random>
#include <tuple>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "cgroup/devices.hpp"
#include "cgroup/manager.hpp"

using namespace vs;
using cgroup::Layout;

namespace {

const char* kRoot = "/sys/fs/cgroup";

/// A forked child held on a pipe until the test moved it into the cgroup, so that everything
/// it does (forks, allocations) happens inside.
struct HeldChild {
    pid_t pid = -1;
    int go = -1;      // parent writes one byte: run
    int report = -1;  // child writes its findings

    static HeldChild fork_with(const std::function<int(int report_fd)>& body) {
        int go_pipe[2], rep_pipe[2];
        HeldChild c;
        if (pipe2(go_pipe, O_CLOEXEC) || pipe2(rep_pipe, O_CLOEXEC)) return c;
        c.pid = fork();
        if (c.pid == 0) {
            close(go_pipe[1]);
            close(rep_pipe[0]);
            char b;
            if (read(go_pipe[0], &b, 1) != 1) _exit(100);
            _exit(body(rep_pipe[1]));
        }
        close(go_pipe[0]);
        close(rep_pipe[1]);
        c.go = go_pipe[1];
        c.report = rep_pipe[0];
        return c;
    }
    void release() const {
        char b = 1;
        (void)!write(go, &b, 1);
    }
    std::string read_report() const {
        std::string out;
        char buf[256];
        ssize_t n;
        while ((n = read(report, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
        return out;
    }
    /// Reads one line the child wrote (blocks until it did).
    std::string read_line() const {
        std::string out;
        char ch;
        while (read(report, &ch, 1) == 1 && ch != '\n') out += ch;
        return out;
    }
    int wait() {
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid) pid = -1;
        return st;
    }
    void close_fds() {
        if (go >= 0) close(go);
        if (report >= 0) close(report);
        go = report = -1;
    }
};

void write_line(int fd, const std::string& s) {
    std::string l = s + "\n";
    (void)!write(fd, l.data(), l.size());
}

std::string random_parent() {
    std::random_device rd;
    return fmt::format("vstest-{:08x}", rd());
}

// Depth-first rmdir of our random parent in every hierarchy: the net under the test's own
// destroy() in case it failed. Only ever below <hierarchy>/vstest-<random>.
void sweep(const std::string& parent) {
    std::function<void(const std::string&)> rm = [&](const std::string& d) {
        if (auto e = sys::list_dir(d))
            for (auto& n : *e)
                if (sys::is_dir(d + "/" + n)) rm(d + "/" + n);
        ::rmdir(d.c_str());
    };
    if (auto hs = sys::list_dir(kRoot)) {
        for (auto& h : *hs) {
            std::string p = std::string(kRoot) + "/" + h + "/" + parent;
            if (sys::is_dir(p)) rm(p);
        }
    }
    if (sys::is_dir(std::string(kRoot) + "/" + parent)) rm(std::string(kRoot) + "/" + parent);
}

bool leftover(const std::string& parent) {
    if (sys::exists(std::string(kRoot) + "/" + parent)) return true;
    if (auto hs = sys::list_dir(kRoot))
        for (auto& h : *hs)
            if (sys::exists(std::string(kRoot) + "/" + h + "/" + parent)) return true;
    return false;
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

}  // namespace

/// Param: "detect" uses the host's own layout; "v1" forces the v1-only backend on a hybrid
/// host (so its freeze+kill+thaw path runs too, not just cgroup.kill); "v2" runs the pure v2
/// backend, on a hybrid host against its cgroup2 mount (few controllers there: tests that need
/// one skip), so the v2 code paths run here and not only in the VM.
class CgroupPriv : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root";
        auto l = cgroup::detect(kRoot);
        if (!l) GTEST_SKIP() << "no cgroups: " << l.error().what();
        if (GetParam() == "v1" && *l == Layout::V2) GTEST_SKIP() << "no v1 hierarchies here";
        std::string root = kRoot;
        if (GetParam() == "v2" && *l != Layout::V2) {
            root = std::string(kRoot) + "/unified";
            auto ul = cgroup::detect(root);
            if (!ul || *ul != Layout::V2) GTEST_SKIP() << "no cgroup2 mount at " << root;
        }
        parent_ = random_parent();
        cgroup::Options o;
        o.root = root;
        o.parent = parent_;
        o.name = "g";
        if (GetParam() == "v1") o.layout = Layout::V1;
        auto m = cgroup::open(o);
        ASSERT_TRUE(m) << m.error().what();
        m_ = std::move(*m);
        auto c = m_->create();
        ASSERT_TRUE(c) << c.error().what();
    }
    void TearDown() override {
        if (m_) {
            (void)m_->kill_all();  // only our forked children are in there
            for (auto& c : children_) {
                if (c.pid > 0) {
                    kill(c.pid, SIGKILL);  // by pid, ours
                    c.wait();
                }
                c.close_fds();
            }
            auto d = m_->destroy();
            EXPECT_TRUE(d) << d.error().what();
            m_->remove_unused_parents();
        }
        if (!parent_.empty()) {
            EXPECT_FALSE(leftover(parent_)) << "destroy left " << parent_ << " behind";
            sweep(parent_);
        }
    }
    HeldChild& spawn(const std::function<int(int)>& body) {
        children_.push_back(HeldChild::fork_with(body));
        HeldChild& c = children_.back();
        EXPECT_GT(c.pid, 0);
        auto r = m_->add_pid(c.pid);
        EXPECT_TRUE(r) << r.error().what();
        c.release();
        return c;
    }
    bool has(const char* controller) const { return !m_->controller_path(controller).empty(); }
    std::string knob(const std::string& controller, const std::string& file) {
        auto r = sys::read_file(m_->controller_path(controller) + "/" + file);
        return r ? std::string(str::trim(*r)) : "<" + r.error().what() + ">";
    }

    std::string parent_;
    std::unique_ptr<cgroup::Manager> m_;
    std::deque<HeldChild> children_;
};

TEST_P(CgroupPriv, KillAllStopsAForkLoopAndDestroyRemovesEverything) {
    // Bounded by construction (32 looping processes, each with at most one short-lived
    // child) and, where there is a pids controller, by pids.max: never a runaway on the host.
    if (!m_->controller_path("pids").empty()) {
        spec::Resources r;
        r.pids_max = 80;
        ASSERT_TRUE(m_->apply(r));
    }
    auto& c = spawn([](int) {
        for (int i = 0; i < 5; ++i) (void)fork();  // 2^5 processes
        for (;;) {
            pid_t p = fork();
            if (p == 0) _exit(0);
            if (p > 0)
                waitpid(p, nullptr, 0);
            else
                usleep(1000);
        }
        return 0;
    });
    // Wait until the loop filled the cgroup.
    size_t n = 0;
    for (int i = 0; i < 500 && n < 32; ++i) {
        auto p = m_->pids();
        ASSERT_TRUE(p) << p.error().what();
        n = p->size();
        usleep(2000);
    }
    EXPECT_GE(n, 32u) << "the fork loop did not fill the cgroup";
    auto k = m_->kill_all();
    ASSERT_TRUE(k) << k.error().what();
    auto p = m_->pids();
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->empty());
    int st = c.wait();
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << st;
    // pids.current still counts dead tasks until their parents (here: the host's init, the
    // loop's parents being dead) reap them; that happens at once but asynchronously.
    uint64_t left = m_->controller_path("pids").empty() ? 0 : 1;
    for (int i = 0; i < 1000 && left != 0; ++i) {  // at most 10 s
        auto s = m_->stats();
        ASSERT_TRUE(s) << s.error().what();
        left = s->pids_current;
        if (left) usleep(10000);
    }
    EXPECT_EQ(left, 0u);
    auto d = m_->destroy();
    ASSERT_TRUE(d) << d.error().what();
    EXPECT_FALSE(m_->exists());
    // The shared parent outlives its guests' stops; delete's remove_unused_parents takes the
    // one we made away, and nothing else.
    EXPECT_TRUE(leftover(parent_)) << "destroy removed the shared parent";
    m_->remove_unused_parents();
    EXPECT_FALSE(leftover(parent_)) << "the parent we created stayed";
}

TEST_P(CgroupPriv, DestroyIfEmptyRefusesWhileAnyHierarchyHoldsATask) {
    auto& c = spawn([](int) {
        pause();
        return 0;
    });
    // A cgroup the guest made itself, below its leaf: removed too, once the guest is empty.
    std::string own = (has("pids") ? m_->controller_path("pids") : m_->unified_path()) + "/own";
    ASSERT_EQ(::mkdir(own.c_str(), 0755), 0) << own;
    auto r = m_->destroy_if_empty();
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_FALSE(*r) << "a live task did not stop the removal";
    EXPECT_TRUE(m_->exists());

    // A stray left in one v1 hierarchy only, moved out of the others (as the host's root could):
    // the listing stop uses does not see it, the rmdir there must refuse, and kill_all's union
    // of every hierarchy finds it.
    std::vector<std::string> leaves;
    if (auto hs = sys::list_dir(kRoot))
        for (auto& h : *hs)
            if (sys::is_dir(std::string(kRoot) + "/" + h + "/" + parent_ + "/g"))
                leaves.push_back(h);
    if (GetParam() != "v2" && leaves.size() > 1) {
        for (size_t i = 1; i < leaves.size(); ++i) {  // leaves[0] is a v1 one (sorted names)
            auto w = sys::write_file(std::string(kRoot) + "/" + leaves[i] + "/cgroup.procs",
                                     std::to_string(c.pid));
            ASSERT_TRUE(w) << w.error().what();
        }
        r = m_->destroy_if_empty();
        ASSERT_TRUE(r) << r.error().what();
        EXPECT_FALSE(*r) << "the stray in " << leaves[0] << " did not stop the removal";
        EXPECT_TRUE(sys::is_dir(std::string(kRoot) + "/" + leaves[0] + "/" + parent_ + "/g"));
    }
    auto k = m_->kill_all();
    ASSERT_TRUE(k) << k.error().what();
    int st = c.wait();
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << st;
    r = m_->destroy_if_empty();
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_TRUE(*r);
    EXPECT_FALSE(m_->exists());
    EXPECT_FALSE(sys::exists(own));
}

TEST_P(CgroupPriv, MemoryMaxOomKillsInsideOnlyAndStatsCountIt) {
    if (!has("memory")) GTEST_SKIP() << "no memory controller in this layout";
    spec::Resources r;
    r.memory_max = 32 << 20;
    // No swap escape: v1 memsw, v2 memory.swap.max, when the kernel accounts swap.
    std::string mem = m_->controller_path("memory");
    ASSERT_FALSE(mem.empty()) << "no memory controller";
    if (sys::exists(mem + "/memory.memsw.limit_in_bytes") || sys::exists(mem + "/memory.swap.max"))
        r.memory_swap_max = 0;
    auto a = m_->apply(r);
    ASSERT_TRUE(a) << a.error().what();
    auto& c = spawn([](int) {
        const size_t chunk = 1 << 20;
        for (int i = 0; i < 256; ++i) {
            char* b = static_cast<char*>(
                mmap(nullptr, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
            if (b == MAP_FAILED) return 2;
            memset(b, 0x5a, chunk);  // touch every page: charged to the cgroup
        }
        return 0;  // survived 256 MiB under a 32 MiB limit: the limit did not hold
    });
    int st = c.wait();
    ASSERT_TRUE(WIFSIGNALED(st)) << "child exited with " << WEXITSTATUS(st);
    EXPECT_EQ(WTERMSIG(st), SIGKILL);
    auto s = m_->stats();
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_GE(s->oom_kills, 1u);
    EXPECT_GE(s->memory_peak, 16u << 20);
    EXPECT_LE(s->memory_peak, 33u << 20);
}

TEST_P(CgroupPriv, PidsMaxMakesForkFailWithEagain) {
    if (!has("pids")) GTEST_SKIP() << "no pids controller in this layout";
    spec::Resources r;
    r.pids_max = 4;
    ASSERT_TRUE(m_->apply(r));
    EXPECT_EQ(knob("pids", "pids.max"), "4");
    auto& c = spawn([](int rep) {
        std::vector<pid_t> kids;
        int err = 0;
        for (int i = 0; i < 10; ++i) {
            pid_t p = fork();
            if (p == 0) {
                pause();
                _exit(0);
            }
            if (p < 0) {
                err = errno;
                break;
            }
            kids.push_back(p);
        }
        write_line(rep, fmt::format("{} {}", kids.size(), err));
        for (pid_t k : kids) kill(k, SIGKILL);
        for (pid_t k : kids) waitpid(k, nullptr, 0);
        return 0;
    });
    auto words = str::split_ws(c.read_line());
    ASSERT_EQ(words.size(), 2u);
    EXPECT_EQ(words[0], "3");  // the child itself is the 4th task
    EXPECT_EQ(std::stoi(words[1]), EAGAIN);
    c.wait();
}

TEST_P(CgroupPriv, CpuQuotaAndWeightAreWrittenAsAsked) {
    if (!has("cpu")) GTEST_SKIP() << "no cpu controller in this layout";
    spec::Resources r;
    r.cpu_quota_us = 50000;
    r.cpu_period_us = 100000;
    r.cpu_weight = 200;
    auto a = m_->apply(r);
    ASSERT_TRUE(a) << a.error().what();
    std::string cpu = m_->controller_path("cpu");
    ASSERT_FALSE(cpu.empty());
    if (sys::exists(cpu + "/cpu.cfs_quota_us")) {
        EXPECT_EQ(knob("cpu", "cpu.cfs_quota_us"), "50000");
        EXPECT_EQ(knob("cpu", "cpu.cfs_period_us"), "100000");
        EXPECT_EQ(knob("cpu", "cpu.shares"), "2048");
    } else {
        EXPECT_EQ(knob("cpu", "cpu.max"), "50000 100000");
        EXPECT_EQ(knob("cpu", "cpu.weight"), "200");
    }
    r = {};
    r.cpu_quota_us = -1;
    ASSERT_TRUE(m_->apply(r));
    if (sys::exists(cpu + "/cpu.cfs_quota_us"))
        EXPECT_EQ(knob("cpu", "cpu.cfs_quota_us"), "-1");
    else
        EXPECT_EQ(knob("cpu", "cpu.max"), "max 100000");
}

TEST_P(CgroupPriv, StatsAreNonZeroAfterWork) {
    auto& c = spawn([](int rep) {
        const size_t sz = 16 << 20;
        char* b = static_cast<char*>(
            mmap(nullptr, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (b == MAP_FAILED) return 2;
        memset(b, 1, sz);
        volatile unsigned long x = 0;
        double start = cpu_seconds();
        while (cpu_seconds() - start < 0.3) x = x + 1;
        write_line(rep, "done");
        pause();
        return 0;
    });
    ASSERT_EQ(c.read_line(), "done");
    auto s = m_->stats();
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_GT(s->cpu_user_us + s->cpu_system_us, 100000u);
    if (!m_->controller_path("memory").empty()) {
        EXPECT_GE(s->memory_current, 8u << 20);
        EXPECT_GE(s->memory_peak, 16u << 20);
    }
    if (has("pids")) {
        EXPECT_EQ(s->pids_current, 1u);
    }
    EXPECT_EQ(s->oom_kills, 0u);
    auto p = m_->pids();
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, std::vector<pid_t>{c.pid});
}

TEST_P(CgroupPriv, SignalAllAndFreeze) {
    auto& c = spawn([](int) {
        for (;;) pause();
        return 0;
    });
    auto f = m_->freeze(true);
    ASSERT_TRUE(f) << f.error().what();
    ASSERT_TRUE(m_->freeze(false));
    ASSERT_TRUE(m_->signal_all(SIGTERM));
    int st = c.wait();
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << st;
}

TEST_P(CgroupPriv, RefusedValueNamesFileAndValue) {
    if (!has("pids")) GTEST_SKIP() << "no pids controller in this layout";
    spec::Resources r;
    r.passthrough["pids.max"] = "bogus";
    auto a = m_->apply(r);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, EINVAL);
    std::string want =
        fmt::format("write \"{}/pids.max\" = \"bogus\"", m_->controller_path("pids"));
    EXPECT_NE(a.error().what().find(want), std::string::npos) << a.error().what();
}

TEST_P(CgroupPriv, JoinSelfMovesTheCallerIntoEveryHierarchy) {
    // start's child joins its v1 hierarchies itself ("0" into tasks); with `unified` it joins
    // cgroup2 too. Every line of its /proc/self/cgroup must then name the guest's leaf.
    int rep[2];
    ASSERT_EQ(pipe2(rep, O_CLOEXEC), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(rep[0]);
        auto r = m_->join_self(true);
        std::string out = r ? sys::read_file("/proc/self/cgroup").value_or("<unreadable>")
                            : "<" + r.error().what() + ">";
        (void)!write(rep[1], out.data(), out.size());
        _exit(r ? 0 : 1);
    }
    close(rep[1]);
    std::string text;
    char buf[512];
    ssize_t n;
    while ((n = read(rep[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    close(rep[0]);
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << text;
    std::string leaf = "/" + parent_ + "/g";
    size_t lines = 0;
    for (const auto& line : str::split(text, '\n')) {
        // Only hierarchies this Manager uses: "v2" runs on cgroup2 alone, "v1" on v1 alone.
        bool v2_line = line.rfind("0::", 0) == 0;
        if ((GetParam() == "v2" && !v2_line) || (GetParam() == "v1" && v2_line)) continue;
        if (GetParam() == "detect" && v2_line && m_->unified_path().empty()) continue;
        if (line.find(":rdma:") != std::string::npos || line.find(":misc:") != std::string::npos ||
            line.find(":net_cls") != std::string::npos ||
            line.find(":perf_event:") != std::string::npos)
            continue;  // hierarchies the Manager may not manage on this host
        ++lines;
        EXPECT_TRUE(line.size() >= leaf.size() &&
                    line.compare(line.size() - leaf.size(), leaf.size(), leaf) == 0)
            << line << " (want ..." << leaf << ")";
    }
    EXPECT_GT(lines, 0u) << text;
}

/// open(2) and mknod(2) of device nodes by a child in the cgroup, as "null:rw zero:r ..." with
/// "ok" or the errno name per check.
std::string device_checks() {
    std::string out;
    auto note = [&](const char* what, bool ok) {
        out += fmt::format("{}:{} ", what, ok ? "ok" : strerrorname_np(errno));
    };
    for (auto [what, path, flags] :
         {std::tuple{"null-rw", "/dev/null", O_RDWR}, std::tuple{"zero-r", "/dev/zero", O_RDONLY},
          std::tuple{"zero-w", "/dev/zero", O_WRONLY},
          std::tuple{"full-r", "/dev/full", O_RDONLY}}) {
        int fd = open(path, flags | O_CLOEXEC);
        note(what, fd >= 0);
        if (fd >= 0) close(fd);
    }
    char dir[] = "/tmp/vstest-dev-XXXXXX";
    if (!mkdtemp(dir)) return out + "mkdtemp failed";
    for (auto [what, dev] :
         {std::pair{"mknod-null", makedev(1, 3)}, std::pair{"mknod-full", makedev(1, 7)}}) {
        std::string p = std::string(dir) + "/n";
        note(what, mknod(p.c_str(), S_IFCHR | 0600, dev) == 0);
        unlink(p.c_str());
    }
    rmdir(dir);
    return out;
}

TEST_P(CgroupPriv, DeviceProgramDecidesOpenAndMknodAndIsReplacedInPlace) {
    // On a hybrid host the v1 devices hierarchy root allows everything: what is refused here
    // is refused by the BPF program on the cgroup2 node alone.
    if (GetParam() != "v2" || m_->unified_path().empty()) GTEST_SKIP() << "cgroup2 only";
    using cgroup::DeviceRule;
    auto first = cgroup::device_state(
        {{true, 'c', 1, 3, cgroup::kDevAll}, {true, 'c', 1, 5, cgroup::kDevRead}});
    auto a = cgroup::attach_device_program(m_->unified_path(), first);
    ASSERT_TRUE(a) << a.error().what();
    auto ids = cgroup::device_program_ids(m_->unified_path());
    ASSERT_TRUE(ids) << ids.error().what();
    ASSERT_EQ(ids->size(), 1u);
    auto run = [&] {
        auto& c = spawn([](int rep) {
            write_line(rep, device_checks());
            return 0;
        });
        std::string r = c.read_line();
        c.wait();
        return r;
    };
    EXPECT_EQ(run(),
              "null-rw:ok zero-r:ok zero-w:EPERM full-r:EPERM mknod-null:ok mknod-full:EPERM ");
    // Replaced, not added: one program of ours, another id, the new rules alone apply.
    auto second = cgroup::device_state(
        {{true, 'a', -1, -1, cgroup::kDevAll}, {false, 'c', 1, 3, cgroup::kDevWrite}});
    a = cgroup::attach_device_program(m_->unified_path(), second);
    ASSERT_TRUE(a) << a.error().what();
    auto ids2 = cgroup::device_program_ids(m_->unified_path());
    ASSERT_TRUE(ids2) << ids2.error().what();
    ASSERT_EQ(ids2->size(), 1u);
    EXPECT_NE(ids2->front(), ids->front());
    EXPECT_EQ(run(), "null-rw:EPERM zero-r:ok zero-w:ok full-r:ok mknod-null:ok mknod-full:ok ");
}

INSTANTIATE_TEST_SUITE_P(Layouts, CgroupPriv, ::testing::Values("detect", "v1", "v2"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });
