// netlink::Socket::dump while the namespace changes under it: the kernel flags such a dump
// NLM_F_DUMP_INTR, and the caller gets a complete, fresh one instead of an error.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <time.h>

#include <atomic>
#include <set>
#include <thread>

#include "net/netlink/rtnl.hpp"
#include "net/netlink/socket.hpp"
#include "net/address.hpp"

namespace vs::net::netlink {
namespace {

IpPrefix prefix(const std::string& ip) { return *parse_prefix(ip + "/32"); }

TEST(NetlinkDump, AnAddressDumpRacingChangesIsRetriedNotAnError) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    std::string failure;
    // A thread in a new network namespace: nothing of the host's changes.
    std::thread t([&] {
        if (::unshare(CLONE_NEWNET) < 0) {
            failure = "unshare";
            return;
        }
        auto s = Socket::open();
        if (!s) {
            failure = s.error().what();
            return;
        }
        int lo = static_cast<int>(if_nametoindex("lo"));
        // Enough addresses that one dump takes several datagrams (the kernel checks the
        // namespace's generation between them).
        for (int i = 0; i < 1200; ++i) {
            Message m = new_addr(lo, prefix(fmt::format("10.{}.{}.1", i / 250, i % 250)));
            if (auto r = s->request(m, "add"); !r) {
                failure = r.error().what();
                return;
            }
        }
        std::atomic<bool> stop{false};
        // Changes allowed during the current dump: a few, so the dump is interrupted and retried,
        // but fewer than the retries, however slow the machine (an emulated VM dumps slowly).
        std::atomic<int> budget{0};
        int nsfd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        std::thread churn([&] {
            if (::setns(nsfd, CLONE_NEWNET) < 0) return;
            auto c = Socket::open();
            if (!c) return;
            while (!stop) {
                struct timespec pause {
                    0, 1000 * 1000
                };
                if (budget.fetch_sub(1) <= 0) {
                    budget.fetch_add(1);
                    ::nanosleep(&pause, nullptr);
                    continue;
                }
                Message add = new_addr(lo, prefix("10.200.0.1"));
                (void)c->request(add, "add");
                Message del = del_addr(lo, prefix("10.200.0.1"));
                (void)c->request(del, "del");
                ::nanosleep(&pause, nullptr);
            }
        });
        for (int i = 0; i < 100 && failure.empty(); ++i) {
            budget = 3;
            auto a = s->addrs(AF_INET);
            if (!a) {
                failure = a.error().what();
                break;
            }
            std::set<std::string> seen;
            for (auto& x : *a) seen.insert(x.addr.to_string());
            if (seen.size() != a->size()) failure = "a dump repeated an entry";
            if (seen.size() < 1200) failure = fmt::format("a dump missed entries: {}", seen.size());
        }
        stop = true;
        churn.join();
        ::close(nsfd);
    });
    t.join();
    EXPECT_EQ(failure, "");
}

}  // namespace
}  // namespace vs::net::netlink
