// Shared-stack mode: the cgroup BPF confinement on the test "host" stack. A forked child joins
// the guest's cgroup2 node, drops CAP_NET_RAW/CAP_NET_ADMIN as the runtime does, and reports
// what it could do; the four gaps of machine-facts.md are checked one by one.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "net/shared_bpf.hpp"
#include "priv/net/net_fixture.hpp"

namespace vs::net::testing {
namespace {

std::string local_of(int s) {
    sockaddr_storage me{};
    socklen_t ml = sizeof me;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&me), &ml);
    char buf[INET6_ADDRSTRLEN] = {};
    if (me.ss_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&me)->sin_addr, buf, sizeof buf);
    else
        ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&me)->sin6_addr, buf, sizeof buf);
    return buf;
}

int try_bind(const std::string& ip, int type = SOCK_STREAM, std::string* local = nullptr) {
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(ip, 0, ss);
    int s = ::socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
    if (s < 0) return errno;
    int r = ::bind(s, reinterpret_cast<sockaddr*>(&ss), len);
    int err = r < 0 ? errno : 0;
    if (!err && local) *local = local_of(s);
    ::close(s);
    return err;
}

class SharedMode : public NetTest {
protected:
    void SetUp() override {
        NetTest::SetUp();
        if (IsSkipped()) return;
        if (!std::filesystem::exists("/sys/fs/cgroup/unified/cgroup.procs"))
            GTEST_SKIP() << "no cgroup2 at /sys/fs/cgroup/unified";
        std::random_device rd;
        cg_parent_ = fmt::format("/sys/fs/cgroup/unified/vstest-net-{:08x}", rd());
        cg_ = cg_parent_ + "/shared1";
        ASSERT_TRUE(std::filesystem::create_directories(cg_));
        baseline_progs_ = *shared_bpf::loaded_program_count();
        // Host-side servers live outside the guest's cgroup.
        here_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    }
    void TearDown() override {
        if (here_ >= 0) ::close(here_);
        if (!cg_.empty()) {
            ::rmdir(cg_.c_str());
            ::rmdir(cg_parent_.c_str());
        }
        NetTest::TearDown();
    }

    spec::GuestSpec shared_guest(std::vector<std::string> ips) {
        std::vector<spec::Interface> ifs;
        for (size_t k = 0; k < ips.size(); ++k)
            ifs.push_back(iface(std::to_string(k), ips[k], "br0", "shared"));
        auto g = guest("sh", ifs);
        g.ns.net = false;
        return g;
    }

    std::string cg_parent_, cg_;
    int baseline_progs_ = 0;
    int here_ = -1;
};

// A child in the guest's cgroup; `body` writes "key=value" lines to `out`.
struct GuestProc {
    pid_t pid = -1;
    int from_child = -1, to_child = -1;
    GuestProc(const std::string& cg, bool drop_caps,
              const std::function<void(std::ostringstream&, int in, int out)>& body) {
        int up[2], down[2];
        if (::pipe2(up, O_CLOEXEC) < 0 || ::pipe2(down, O_CLOEXEC) < 0) return;
        pid = ::fork();
        if (pid == 0) {
            ::close(up[0]);
            ::close(down[1]);
            std::ofstream(cg + "/cgroup.procs") << ::getpid() << std::endl;
            if (drop_caps) {
                // What start does for a shared guest (net::required_cap_drops).
                for (int c : {CAP_NET_RAW, CAP_NET_ADMIN}) ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
                cap_t caps = cap_get_proc();
                cap_value_t v[] = {CAP_NET_RAW, CAP_NET_ADMIN};
                cap_set_flag(caps, CAP_EFFECTIVE, 2, v, CAP_CLEAR);
                cap_set_flag(caps, CAP_PERMITTED, 2, v, CAP_CLEAR);
                cap_set_proc(caps);
                cap_free(caps);
            }
            std::ostringstream os;
            body(os, down[0], up[1]);
            std::string s = os.str();
            (void)!::write(up[1], s.data(), s.size());
            ::_exit(0);
        }
        ::close(up[1]);
        ::close(down[0]);
        from_child = up[0];
        to_child = down[1];
    }
    std::map<std::string, std::string> finish() {
        ::close(to_child);
        std::string all;
        char buf[512];
        ssize_t n;
        while ((n = ::read(from_child, buf, sizeof buf)) > 0) all.append(buf, size_t(n));
        ::close(from_child);
        int st;
        ::waitpid(pid, &st, 0);
        std::map<std::string, std::string> out;
        std::istringstream in(all);
        std::string line;
        while (std::getline(in, line)) {
            auto eq = line.find('=');
            if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
        }
        return out;
    }
};

std::string e(int err) { return err ? strerrorname_np(err) : "ok"; }

TEST_F(SharedMode, GuestBindsAndConnectsOnlyFromItsOwnAddresses) {
    auto g = shared_guest({"192.0.2.80", "2001:db8::80"});
    auto r = setup_guest(g, ctx("sh", -1, cg_));
    ASSERT_TRUE(r) << r.error().what();
    // The alias was added on the host device, labelled like VServer's.
    auto br = addrs_of(-1, "br0");
    EXPECT_NE(std::find(br.begin(), br.end(), "192.0.2.80/24"), br.end());
    EXPECT_EQ(*shared_bpf::attached_count(cg_), 11);

    int l4 = tcp_listen("0.0.0.0", 9000);
    int l6 = tcp_listen("::", 9002);
    int lo = tcp_listen("127.0.0.1", 9001);
    ASSERT_GE(l4, 0);
    ASSERT_GE(l6, 0);
    ASSERT_GE(lo, 0);
    int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage us;
    socklen_t ul = make_sockaddr("192.0.2.1", 9003, us);
    ASSERT_EQ(::bind(udp, reinterpret_cast<sockaddr*>(&us), ul), 0);

    GuestProc p(cg_, true, [](std::ostringstream& os, int, int) {
        std::string local;
        os << "bind4_foreign=" << e(try_bind("192.0.2.1")) << "\n";
        os << "bind4_own=" << e(try_bind("192.0.2.80")) << "\n";
        int any = try_bind("0.0.0.0", SOCK_STREAM, &local);
        os << "bind4_any=" << e(any) << " " << local << "\n";
        os << "bind6_foreign=" << e(try_bind("2001:db8::1")) << "\n";
        os << "bind6_own=" << e(try_bind("2001:db8::80")) << "\n";
        local.clear();
        try_bind("::", SOCK_STREAM, &local);
        os << "bind6_any=" << local << "\n";
        local.clear();
        int c4 = tcp_connect("192.0.2.1", 9000, 2000, &local);
        os << "connect4=" << e(c4) << " " << local << "\n";
        local.clear();
        int c6 = tcp_connect("2001:db8::1", 9002, 2000, &local);
        os << "connect6=" << e(c6) << " " << local << "\n";
        // Host loopback services are out of reach: 127.0.0.1 means the guest's own address.
        os << "connect_lo=" << e(tcp_connect("127.0.0.1", 9001, 500)) << "\n";
        int u = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_storage to;
        socklen_t tl = make_sockaddr("192.0.2.1", 9003, to);
        os << "sendto="
           << e(::sendto(u, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), tl) < 0 ? errno : 0)
           << "\n";
        int raw = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        os << "raw=" << e(raw < 0 ? errno : 0) << "\n";
        int pk = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
        os << "packet=" << e(pk < 0 ? errno : 0) << "\n";
    });
    // Accept what the guest sent, recording the peer addresses the host saw.
    auto peer_of = [](int l) {
        pollfd pf{l, POLLIN, 0};
        if (::poll(&pf, 1, 3000) <= 0) return std::string("none");
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int c = ::accept4(l, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
        char buf[INET6_ADDRSTRLEN] = {};
        if (ss.ss_family == AF_INET)
            ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
        else
            ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf,
                        sizeof buf);
        ::close(c);
        return std::string(buf);
    };
    auto res = p.finish();
    EXPECT_EQ(peer_of(l4), "192.0.2.80");
    EXPECT_EQ(peer_of(l6), "2001:db8::80");
    pollfd pf{lo, POLLIN, 0};
    EXPECT_EQ(::poll(&pf, 1, 0), 0) << "the guest reached the host's loopback service";
    char b;
    sockaddr_storage from{};
    socklen_t fl = sizeof from;
    pollfd pu{udp, POLLIN, 0};
    ASSERT_EQ(::poll(&pu, 1, 2000), 1);
    ::recvfrom(udp, &b, 1, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    char fb[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, fb, sizeof fb);
    EXPECT_STREQ(fb, "192.0.2.80");

    EXPECT_EQ(res["bind4_foreign"], "EPERM");
    EXPECT_EQ(res["bind4_own"], "ok");
    EXPECT_EQ(res["bind4_any"], "ok 192.0.2.80");
    EXPECT_EQ(res["bind6_foreign"], "EPERM");
    EXPECT_EQ(res["bind6_own"], "ok");
    EXPECT_EQ(res["bind6_any"], "2001:db8::80");
    EXPECT_EQ(res["connect4"], "ok 192.0.2.80");
    EXPECT_EQ(res["connect6"], "ok 2001:db8::80");
    EXPECT_NE(res["connect_lo"], "ok");
    EXPECT_EQ(res["sendto"], "ok");
    EXPECT_EQ(res["raw"], "EPERM");
    EXPECT_EQ(res["packet"], "EPERM");  // gap: AF_PACKET (closed by dropping CAP_NET_RAW)
    for (int fd : {l4, l6, lo, udp}) ::close(fd);

    ASSERT_TRUE(teardown_guest(g, ctx("sh", -1, cg_)));
    br = addrs_of(-1, "br0");
    EXPECT_EQ(std::find(br.begin(), br.end(), "192.0.2.80/24"), br.end());
    EXPECT_EQ(*shared_bpf::attached_count(cg_), 0);
}

TEST_F(SharedMode, ListenWithoutBindOnlyAnswersOnTheGuestsAddress) {
    auto g = shared_guest({"192.0.2.81"});
    ASSERT_TRUE(setup_guest(g, ctx("sh", -1, cg_)));
    GuestProc p(cg_, true, [](std::ostringstream& os, int in, int out) {
        int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ::listen(s, 8);  // autobind to 0.0.0.0:<ephemeral>: no bind hook runs
        sockaddr_in me{};
        socklen_t ml = sizeof me;
        ::getsockname(s, reinterpret_cast<sockaddr*>(&me), &ml);
        std::string port = std::to_string(ntohs(me.sin_port));
        (void)!::write(out, (port + "\n").c_str(), port.size() + 1);
        char c;
        (void)!::read(in, &c, 1);  // parent closes when done
        ::close(s);
        os << "done=1\n";
    });
    char buf[16] = {};
    ASSERT_GT(::read(p.from_child, buf, sizeof buf - 1), 0);
    uint16_t port = uint16_t(std::atoi(buf));
    ASSERT_GT(port, 0);
    // From the host: the guest's address answers, the host's own address does not (the SYN is
    // dropped by cgroup_skb/ingress, so the connect times out).
    EXPECT_EQ(tcp_connect("192.0.2.81", port), 0);
    EXPECT_EQ(tcp_connect("192.0.2.1", port, 500), ETIMEDOUT);
    EXPECT_EQ(tcp_connect("127.0.0.1", port, 500), ETIMEDOUT);
    p.finish();
    ASSERT_TRUE(teardown_guest(g, ctx("sh", -1, cg_)));
}

TEST_F(SharedMode, IPv4OnlyGuestGetsNoIPv6) {
    auto g = shared_guest({"192.0.2.82"});
    ASSERT_TRUE(setup_guest(g, ctx("sh", -1, cg_)));
    int l6 = tcp_listen("::", 9004);
    GuestProc p(cg_, true, [](std::ostringstream& os, int, int) {
        os << "connect6=" << e(tcp_connect("2001:db8::1", 9004, 500)) << "\n";
        os << "bind6=" << e(try_bind("2001:db8::1")) << "\n";
        std::string local;
        try_bind("::", SOCK_STREAM, &local);
        os << "bind6_any=" << local << "\n";  // dual-stack listener: its v4 address, mapped
    });
    auto res = p.finish();
    EXPECT_EQ(res["connect6"], "EPERM");
    EXPECT_EQ(res["bind6"], "EPERM");
    EXPECT_EQ(res["bind6_any"], "::ffff:192.0.2.82");
    ::close(l6);
    ASSERT_TRUE(teardown_guest(g, ctx("sh", -1, cg_)));
}

TEST_F(SharedMode, LiveUpdateSwapsTheAllowedAddress) {
    auto g = shared_guest({"192.0.2.83"});
    FakeGuest init;  // shared mode has no netns; the record still needs a live init
    auto r0 = setup_guest(g, ctx("sh", init.pid(), cg_));
    ASSERT_TRUE(r0) << r0.error().what();
    auto g2 = shared_guest({"192.0.2.84"});
    auto r = apply_live(g, g2, ctx("sh", init.pid(), cg_));
    ASSERT_TRUE(r) << r.error().what();
    auto br = addrs_of(-1, "br0");
    EXPECT_NE(std::find(br.begin(), br.end(), "192.0.2.84/24"), br.end());
    EXPECT_EQ(std::find(br.begin(), br.end(), "192.0.2.83/24"), br.end());
    GuestProc p(cg_, true, [](std::ostringstream& os, int, int) {
        os << "old=" << e(try_bind("192.0.2.83")) << "\n";
        os << "new=" << e(try_bind("192.0.2.84")) << "\n";
    });
    auto res = p.finish();
    EXPECT_EQ(res["old"], "EPERM");
    EXPECT_EQ(res["new"], "ok");
    ASSERT_TRUE(teardown_guest(g2, ctx("sh", init.pid(), cg_)));
}

}  // namespace
}  // namespace vs::net::testing
