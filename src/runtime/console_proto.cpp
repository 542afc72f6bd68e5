// The console socket's record send and receive with SCM_RIGHTS.
#include "runtime/console_proto.hpp"

#include <cerrno>
#include <cstring>

namespace vs::runtime::console::proto {

Status send(int sock, std::string_view record, const std::vector<int>& fds, int flags) {
    struct iovec iov {
        const_cast<char*>(record.data()), record.size()
    };
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFds)];
    if (fds.size() > kMaxFds) return make_error(EINVAL, "too many fds for one console record");
    if (!fds.empty()) {
        msg.msg_control = cbuf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    for (;;) {
        if (::sendmsg(sock, &msg, MSG_NOSIGNAL | flags) >= 0) return ok();
        if (errno != EINTR) return errno_error("send on the console socket");
    }
}

Result<Record> recv(int sock) {
    Record r;
    r.data.resize(kMaxRecord);
    struct iovec iov {
        r.data.data(), r.data.size()
    };
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFds)];
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == ECONNRESET)
            n = 0;
        else
            return errno_error("receive on the console socket");
    }
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            r.fds.emplace_back(fd);
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        return make_error(EMSGSIZE, "console socket: record or fd list truncated");
    r.data.resize(static_cast<size_t>(n));
    return r;
}

}  // namespace vs::runtime::console::proto
