// Fixture for network priv tests: every test runs in a throwaway "host" network namespace
// with a test LAN (bridge br0, 192.0.2.0/24 and 2001:db8::/64, documentation ranges), fake
// guests are forked children in their own netns, and all state lives under a temp prefix.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "net/address.hpp"
#include "net/guest_network.hpp"
#include "net/netlink/socket.hpp"
#include "spec/guest_spec.hpp"

namespace vs::net::testing {

/// Runs `f` on a thread that joined the netns `nsfd`; the caller's namespace never changes.
template <typename F>
auto in_netns(int nsfd, F f) -> decltype(f()) {
    decltype(f()) out{};
    std::thread t([&] {
        if (::setns(nsfd, CLONE_NEWNET) == 0) out = f();
    });
    t.join();
    return out;
}

/// A forked child in a new network namespace, parked until destroyed: a guest's init.
class FakeGuest {
public:
    FakeGuest() {
        int ready[2];
        if (::pipe2(ready, O_CLOEXEC) < 0 || ::pipe2(hold_, O_CLOEXEC) < 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(ready[0]);
            ::close(hold_[1]);
            char ok = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
            (void)!::write(ready[1], &ok, 1);
            char c;
            (void)!::read(hold_[0], &c, 1);  // returns when the parent closes its end
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(hold_[0]);
        char ok = 0;
        (void)!::read(ready[0], &ok, 1);
        ::close(ready[0]);
        if (ok != 'y')
            stop();
        else
            ns_ = ::open(fmt::format("/proc/{}/ns/net", pid_).c_str(), O_RDONLY | O_CLOEXEC);
    }
    ~FakeGuest() { stop(); }
    FakeGuest(const FakeGuest&) = delete;
    FakeGuest& operator=(const FakeGuest&) = delete;

    pid_t pid() const { return pid_; }
    int ns() const { return ns_; }
    void stop() {
        if (ns_ >= 0) ::close(std::exchange(ns_, -1));
        if (hold_[1] >= 0) ::close(std::exchange(hold_[1], -1));
        if (pid_ > 0) {
            int st;
            ::waitpid(std::exchange(pid_, -1), &st, 0);
        }
    }

private:
    pid_t pid_ = -1;
    int ns_ = -1;
    int hold_[2] = {-1, -1};
};

inline int run(const std::string& cmd) { return std::system(cmd.c_str()); }

/// sockaddr for "ip" (v4 or v6) and port.
inline socklen_t make_sockaddr(const std::string& ip, uint16_t port, sockaddr_storage& ss) {
    ss = {};
    if (ip.find(':') == std::string::npos) {
        auto* s = reinterpret_cast<sockaddr_in*>(&ss);
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        ::inet_pton(AF_INET, ip.c_str(), &s->sin_addr);
        return sizeof *s;
    }
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    ::inet_pton(AF_INET6, ip.c_str(), &s->sin6_addr);
    return sizeof *s;
}

/// TCP connect with a bounded wait; returns 0 or the errno (ETIMEDOUT when nothing answered).
inline int tcp_connect(const std::string& ip, uint16_t port, int wait_ms = 2000,
                       std::string* local = nullptr) {
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(ip, port, ss);
    int s = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return errno;
    int r = ::connect(s, reinterpret_cast<sockaddr*>(&ss), len);
    int err = 0;
    if (r < 0 && errno != EINPROGRESS) {
        err = errno;
    } else if (r < 0) {
        pollfd p{s, POLLOUT, 0};
        if (::poll(&p, 1, wait_ms) <= 0) {
            err = ETIMEDOUT;
        } else {
            socklen_t el = sizeof err;
            ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
        }
    }
    if (!err && local) {
        sockaddr_storage me{};
        socklen_t ml = sizeof me;
        ::getsockname(s, reinterpret_cast<sockaddr*>(&me), &ml);
        char buf[INET6_ADDRSTRLEN] = {};
        if (me.ss_family == AF_INET)
            ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&me)->sin_addr, buf, sizeof buf);
        else
            ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&me)->sin6_addr, buf,
                        sizeof buf);
        *local = buf;
    }
    ::close(s);
    return err;
}

/// A listening TCP socket; accept() in a thread records the peer addresses.
inline int tcp_listen(const std::string& ip, uint16_t port) {
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(ip, port, ss);
    int s = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s, reinterpret_cast<sockaddr*>(&ss), len) < 0 || ::listen(s, 16) < 0) {
        ::close(s);
        return -1;
    }
    return s;
}

/// Addresses on the link `name` in the namespace of `nsfd` (-1: the current one).
inline std::vector<std::string> addrs_of(int nsfd, const std::string& name) {
    auto get = [&]() -> std::vector<std::string> {
        auto s = netlink::Socket::open();
        if (!s) return {};
        auto l = s->link_by_name(name);
        auto a = s->addrs();
        std::vector<std::string> out;
        if (!l || !a) return out;
        for (const auto& x : *a)
            // Kernel-made IPv6 link-local addresses are not ours to assert on.
            if (x.index == l->index && x.addr.to_string().rfind("fe80:", 0) != 0)
                out.push_back(x.addr.to_string());
        return out;
    };
    return nsfd >= 0 ? in_netns(nsfd, get) : get();
}

struct Counts {
    size_t links = 0, addrs = 0;
    bool operator==(const Counts&) const = default;
};
inline Counts counts_here() {
    Counts c;
    auto s = netlink::Socket::open();
    if (!s) return c;
    if (auto l = s->links()) c.links = l->size();
    // IPv6 link-local addresses are the kernel's, not ours: br0 gets one when its first port
    // gains carrier, which linkwatch reports asynchronously, so they would make counts racy.
    if (auto a = s->addrs())
        for (const auto& x : *a)
            if (!(x.addr.addr.is_v6() && x.addr.addr.bytes[0] == 0xfe &&
                  (x.addr.addr.bytes[1] & 0xc0) == 0x80))
                ++c.addrs;
    return c;
}

class NetTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root";
        orig_ns_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(orig_ns_, 0);
        ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET)";
        // A new namespace copies net.ipv4.ip_forward from the host's (devconf_inherit_init_net
        // 0, the default), and Docker or LXD hosts forward. A forwarding "host" answers a
        // guest's packet for an address it has no route to with ICMP net-unreachable, where the
        // tests expect a plain host that drops it: set what they depend on here.
        // /proc/sys/net is the namespace of the task that opens it: this thread's new one.
        for (const char* f :
             {"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"}) {
            std::ofstream o(f);
            o << "0\n";
            o.close();  // a sysctl write is checked when it is flushed
            ASSERT_TRUE(o) << "write 0 to " << f;
        }
        char tmpl[] = "/tmp/vs-net-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        prefix_ = tmpl;
        ctx_base_.run_base = prefix_ + "/run";
        std::filesystem::create_directories(ctx_base_.run_base);
        // The test LAN: a bridge holding the "host" side addresses.
        ASSERT_EQ(run("ip link set lo up && ip link add br0 type bridge && "
                      "ip link set br0 up && ip addr add 192.0.2.1/24 dev br0 && "
                      "ip addr add 2001:db8::1/64 dev br0 nodad"),
                  0);
    }
    void TearDown() override {
        if (orig_ns_ >= 0) {
            // Leaving the throwaway namespace drops its last reference with its links.
            EXPECT_EQ(::setns(orig_ns_, CLONE_NEWNET), 0);
            ::close(orig_ns_);
        }
        if (!prefix_.empty()) std::filesystem::remove_all(prefix_);
    }

    SetupContext ctx(const std::string& name, pid_t pid, const std::string& cg = "") const {
        SetupContext c = ctx_base_;
        c.init_pid = pid;
        c.cgroup2_path = cg;
        c.run_dir = ctx_base_.run_base + "/" + name;
        return c;
    }

    static spec::Interface iface(std::string id, std::string ip, std::string dev = "br0",
                                 std::string mode = "") {
        spec::Interface i;
        i.id = std::move(id);
        i.ip = std::move(ip);
        i.dev = std::move(dev);
        i.mode = std::move(mode);
        return i;
    }
    static spec::GuestSpec guest(std::string name, std::vector<spec::Interface> ifs) {
        spec::GuestSpec g;
        g.name = std::move(name);
        g.interfaces = std::move(ifs);
        return g;
    }

    int orig_ns_ = -1;
    std::string prefix_;
    SetupContext ctx_base_;
};

}  // namespace vs::net::testing
