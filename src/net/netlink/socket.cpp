// netlink::Socket: send/ack/dump over libmnl; the per-namespace open uses a throwaway thread.
#include "net/netlink/socket.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <thread>

namespace vs::net::netlink {

namespace {
// One receive buffer per call: dumps of a busy namespace come in several datagrams of up to
// a page each, and libmnl wants at least MNL_SOCKET_BUFFER_SIZE.
constexpr size_t kRecvBuf = 32768;

Result<mnl_socket*> open_bound() {
    mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!s) return errno_error("open netlink route socket");
    if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
        Error e = errno_error("bind netlink route socket");
        mnl_socket_close(s);
        return e;
    }
    return s;
}
}  // namespace

Result<Socket> Socket::open() { return Socket(VS_TRY(open_bound())); }

Result<Socket> Socket::open_in(int netns_fd) {
    Result<mnl_socket*> r = make_error(EINVAL, "unreached");
    // setns(CLONE_NEWNET) only changes the calling thread (setns(2)); the thread ends right
    // after, so nothing else ever runs in the guest's namespace by accident.
    std::thread t([&] {
        if (::setns(netns_fd, CLONE_NEWNET) < 0) {
            r = errno_error("setns into the guest's network namespace");
            return;
        }
        r = open_bound();
    });
    t.join();
    if (!r) return std::move(r).error();
    return Socket(*r);
}

Status Socket::request(Message& m, const std::string& what) {
    nlmsghdr* h = m.header();
    h->nlmsg_flags |= NLM_F_ACK;
    h->nlmsg_seq = seq_++;
    if (mnl_socket_sendto(s_.get(), h, h->nlmsg_len) < 0) return errno_error(what);
    std::vector<char> buf(kRecvBuf);
    unsigned portid = mnl_socket_get_portid(s_.get());
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(s_.get(), buf.data(), buf.size());
        if (n < 0) return errno_error(what);
        // mnl_cb_run returns -1 with errno = the error the kernel put in NLMSG_ERROR.
        int r = mnl_cb_run(buf.data(), static_cast<size_t>(n), h->nlmsg_seq, portid, nullptr,
                           nullptr);
        if (r < 0) return errno_error(what);
        if (r == MNL_CB_STOP) return ok();
    }
}

Status Socket::dump(Message& m, const std::string& what,
                    const std::function<Status(const nlmsghdr*)>& cb) {
    nlmsghdr* h = m.header();
    h->nlmsg_seq = seq_++;
    if (mnl_socket_sendto(s_.get(), h, h->nlmsg_len) < 0) return errno_error(what);
    std::vector<char> buf(kRecvBuf);
    unsigned portid = mnl_socket_get_portid(s_.get());
    struct Ctx {
        const std::function<Status(const nlmsghdr*)>* cb;
        Status st;
    } ctx{&cb, ok()};
    auto trampoline = [](const nlmsghdr* msg, void* data) -> int {
        auto* c = static_cast<Ctx*>(data);
        c->st = (*c->cb)(msg);
        return c->st ? MNL_CB_OK : MNL_CB_ERROR;
    };
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(s_.get(), buf.data(), buf.size());
        if (n < 0) return errno_error(what);
        int r = mnl_cb_run(buf.data(), static_cast<size_t>(n), h->nlmsg_seq, portid, trampoline,
                           &ctx);
        if (!ctx.st) return std::move(ctx.st).wrap("{}", what);
        if (r < 0) return errno_error(what);
        if (r == MNL_CB_STOP) return ok();
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
