// netlink::Socket: send/ack/dump on a plain AF_NETLINK socket, replies walked with libnl-3's
// nlmsg_* helpers; the per-namespace open uses a throwaway thread.
#include "net/netlink/socket.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace vs::net::netlink {

namespace {
// One receive buffer per call: dumps of a busy namespace come in several datagrams, and the
// kernel sizes a dump datagram after the largest buffer a reader offered, up to 32 KiB
// (netlink_recvmsg's max_recvmsg_len), so this is never too small.
constexpr size_t kRecvBuf = 32768;
}  // namespace

// Our own socket rather than libnl's nl_sock: nl_sock maps the kernel's errno to libnl's
// NLE_* codes (ENODEV and EEXIST, which callers test for, would be lost) and sets buffer
// sizes with extra system calls on every open; the message handling is libnl's either way.
Result<Socket> Socket::open_bound() {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return errno_error("open netlink route socket");
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;  // nl_pid 0: the kernel picks a free port
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0)
        return errno_error("bind netlink route socket");
    socklen_t len = sizeof sa;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len) < 0)
        return errno_error("get the netlink route socket's port");
    return Socket(std::move(fd), sa.nl_pid);
}

Result<Socket> Socket::open() { return open_bound(); }

Result<Socket> Socket::open_in(int netns_fd) {
    std::optional<Result<Socket>> r;
    // setns(CLONE_NEWNET) only changes the calling thread (setns(2)); the thread ends right
    // after, so nothing else ever runs in the guest's namespace by accident.
    std::thread t([&] {
        if (::setns(netns_fd, CLONE_NEWNET) < 0) {
            r.emplace(errno_error("setns into the guest's network namespace"));
            return;
        }
        r.emplace(open_bound());
    });
    t.join();
    return std::move(*r);
}

Status Socket::exchange(Message& m, const std::string& what,
                        const std::function<Status(const nlmsghdr*)>* cb) {
    nlmsghdr* h = m.header();
    h->nlmsg_seq = seq_++;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_.get(), h, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) < 0)
        return errno_error(what);
    // Not a zero-filled vector: a reply fills a page or two of it, and clearing all 32 KB made
    // every exchange fault in and write 8 pages for nothing.
    std::unique_ptr<char[]> buf(new char[kRecvBuf]);
    bool interrupted = false;
    for (;;) {
        iovec iov{buf.get(), kRecvBuf};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        ssize_t n = ::recvmsg(fd_.get(), &mh, 0);
        if (n < 0) return errno_error(what);
        if (mh.msg_flags & MSG_TRUNC)
            return make_error(ENOSPC, "{}: netlink reply larger than {} bytes", what, kRecvBuf);
        int rem = static_cast<int>(n);
        for (auto* r = reinterpret_cast<nlmsghdr*>(buf.get()); nlmsg_ok(r, rem);
             r = nlmsg_next(r, &rem)) {
            // Replies to an earlier request this socket gave up on (an error in the middle of
            // a dump) are not ours.
            if (r->nlmsg_seq != h->nlmsg_seq || (r->nlmsg_pid != 0 && r->nlmsg_pid != portid_))
                continue;
            // The dump straddled a change (netlink(7)); the rest is read so the socket stays
            // in step, and dump() asks again.
            if (r->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
            if (r->nlmsg_type == NLMSG_ERROR) {
                if (nlmsg_datalen(r) < static_cast<int>(sizeof(nlmsgerr)))
                    return make_error(EPROTO, "{}: truncated netlink error message", what);
                int err = static_cast<const nlmsgerr*>(nlmsg_data(r))->error;
                if (err == 0) return ok();  // the ack
                return Error(-err, what);
            }
            if (r->nlmsg_type == NLMSG_DONE) {
                // A dump that failed part-way reports the error in NLMSG_DONE's payload.
                if (nlmsg_datalen(r) >= static_cast<int>(sizeof(int))) {
                    int err = *static_cast<const int*>(nlmsg_data(r));
                    if (err < 0) return Error(-err, what);
                }
                if (interrupted)
                    return make_error(EINTR, "{}: dump interrupted by a concurrent change", what);
                return ok();
            }
            if (r->nlmsg_type < NLMSG_MIN_TYPE) continue;  // NLMSG_NOOP, NLMSG_OVERRUN
            if (cb) {
                Status st = (*cb)(r);
                if (!st) return std::move(st).wrap("{}", what);
            }
        }
    }
}

Status Socket::request(Message& m, const std::string& what) {
    m.header()->nlmsg_flags |= NLM_F_ACK;
    return exchange(m, what, nullptr);
}

Status Socket::dump(Message& m, const std::string& what,
                    const std::function<Status(const nlmsghdr*)>& cb) {
    // An interrupted dump may miss or repeat entries, so the caller sees only a complete one:
    // the messages are kept until NLMSG_DONE and the dump is asked again when the kernel
    // flagged it. A namespace changing without pause still ends with the error.
    constexpr int kAttempts = 10;
    for (int attempt = 1;; ++attempt) {
        std::vector<std::vector<char>> replies;
        std::function<Status(const nlmsghdr*)> keep = [&](const nlmsghdr* h) -> Status {
            auto p = reinterpret_cast<const char*>(h);
            replies.emplace_back(p, p + h->nlmsg_len);
            return ok();
        };
        auto r = exchange(m, what, &keep);
        if (!r && r.error().code == EINTR && attempt < kAttempts) continue;
        VS_TRY(std::move(r));
        for (auto& b : replies)
            VS_TRY(cb(reinterpret_cast<const nlmsghdr*>(b.data())).wrap("{}", what));
        return ok();
    }
}

Result<std::vector<LinkInfo>> Socket::links() {
    std::vector<LinkInfo> out;
    Message m = dump_links();
    auto collect = [&](const nlmsghdr* h) -> Status {
        auto l = parse_link(h);
        if (!l) return std::move(l).error();
        out.push_back(std::move(*l));
        return ok();
    };
    VS_TRY(dump(m, "list links", collect));
    return out;
}

Result<std::vector<AddrInfo>> Socket::addrs(int family) {
    std::vector<AddrInfo> out;
    Message m = dump_addrs(family);
    auto collect = [&](const nlmsghdr* h) -> Status {
        auto a = parse_addr(h);
        if (!a) return std::move(a).error();
        out.push_back(std::move(*a));
        return ok();
    };
    VS_TRY(dump(m, "list addresses", collect));
    return out;
}

Result<LinkInfo> Socket::link_by_name(const std::string& name) {
    // One RTM_GETLINK by name instead of a dump of every link: start and stop look links up
    // a dozen times, and a dump grows with the number of running guests.
    // The kernel rejects over-long names in the request itself; such a device cannot exist.
    if (name.empty() || name.size() >= IFNAMSIZ)
        return make_error(ENODEV, "network device \"{}\" not found", name);
    Message m = get_link(name);
    m.header()->nlmsg_flags |= NLM_F_ACK;
    std::optional<LinkInfo> found;
    auto collect = [&](const nlmsghdr* h) -> Status {
        auto l = parse_link(h);
        if (!l) return std::move(l).error();
        found = std::move(*l);
        return ok();
    };
    auto r = dump(m, fmt::format("look up network device \"{}\"", name), collect);
    if (!r && r.error().code != ENODEV) return std::move(r).error();
    if (!found) return make_error(ENODEV, "network device \"{}\" not found", name);
    return std::move(*found);
}

}  // namespace vs::net::netlink
