// SyncChannel implementation: one SEQPACKET message per SyncMsg, so no framing is needed.
#include "proc/sync_channel.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace vs::proc {

namespace {
using Header = init_protocol::MsgHeader;
using init_protocol::kMaxMessage;
}  // namespace

Result<std::pair<SyncChannel, SyncChannel>> SyncChannel::make_pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return errno_error("socketpair for the sync channel");
    return std::make_pair(SyncChannel(UniqueFd(sv[0])), SyncChannel(UniqueFd(sv[1])));
}

static Status send_raw(int fd, SyncMsg type, int code, std::string_view text, int pass_fd) {
    char buf[kMaxMessage];
    Header h{static_cast<uint32_t>(type), code};
    size_t len = std::min(text.size(), sizeof buf - sizeof h);
    std::memcpy(buf, &h, sizeof h);
    std::memcpy(buf + sizeof h, text.data(), len);
    struct iovec iov {
        buf, sizeof h + len
    };
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    if (pass_fd >= 0) {
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    for (;;) {
        if (::sendmsg(fd, &msg, MSG_NOSIGNAL) >= 0) return ok();
        if (errno != EINTR) return errno_error("send on the sync channel");
    }
}

Status SyncChannel::send(SyncMsg type) { return send_raw(fd_.get(), type, 0, {}, -1); }

Status SyncChannel::send_error(const Error& e) {
    return send_raw(fd_.get(), SyncMsg::Error, e.code, e.message, -1);
}

Status SyncChannel::send_fd(int fd, int value) {
    return send_raw(fd_.get(), SyncMsg::Fd, value, {}, fd);
}

Status SyncChannel::send_payload(SyncMsg type, std::string_view payload) {
    std::string buf(sizeof(Header), '\0');
    Header h{static_cast<uint32_t>(type), 0};
    std::memcpy(buf.data(), &h, sizeof h);
    buf.append(payload);
    for (;;) {
        if (::send(fd_.get(), buf.data(), buf.size(), MSG_NOSIGNAL) >= 0) return ok();
        if (errno != EINTR)
            return errno_error(fmt::format("send {} bytes on the sync channel", buf.size()));
    }
}

Result<SyncMessage> SyncChannel::recv() {
    char buf[kMaxMessage];
    struct iovec iov {
        buf, sizeof buf
    };
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    ssize_t n;
    do {
        n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        // ECONNRESET: the child died with unread data; the same as EOF for our purposes.
        if (errno == ECONNRESET) {
            SyncMessage m;
            m.eof = true;
            return m;
        }
        return errno_error("receive on the sync channel");
    }
    SyncMessage m;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            std::memcpy(&got, CMSG_DATA(c), sizeof got);
            m.fd.reset(got);
        }
    }
    if (n == 0) {
        m.eof = true;
        return m;
    }
    if (static_cast<size_t>(n) < sizeof(Header))
        return make_error(EPROTO, "short message on the sync channel ({} bytes)", n);
    Header h;
    std::memcpy(&h, buf, sizeof h);
    m.type = static_cast<SyncMsg>(h.type);
    m.value = h.code;
    if (m.type == SyncMsg::Error)
        m.error = Error(h.code, std::string(buf + sizeof h, static_cast<size_t>(n) - sizeof h));
    return m;
}

Status SyncChannel::expect(SyncMsg type, const char* what) {
    auto m = VS_TRY(recv());
    if (m.eof) return make_error(ECHILD, "child exited before {}", what);
    if (m.type == SyncMsg::Error) return std::move(m.error);
    if (m.type != type)
        return make_error(EPROTO, "unexpected message {} on the sync channel while waiting for {}",
                          static_cast<uint32_t>(m.type), what);
    return ok();
}

}  // namespace vs::proc
