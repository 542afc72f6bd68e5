// Shared-stack confinement: cgroup BPF programs that keep a guest on the host's network stack
// to its own addresses (VServer's network context, docs/network.md "shared mode").
//
// Attached to the guest's cgroup2 node; every socket created by a process in that subtree is
// checked. Maps are filled by src/net/shared_bpf.cpp: vs_allow4 / vs_allow6 hold the guest's
// addresses, vs_primary the one used when the guest leaves the choice to the kernel.
//
// Built with: clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu (no <sys/socket.h>).
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET_ 2
#define AF_INET6_ 10
#define SOCK_RAW_ 3

struct ip6key {
    __u32 a[4];
};

struct primary {
    __u32 ip4;     // network order
    __u32 ip6[4];  // network order
    __u32 has4;
    __u32 has6;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, __u8);
} vs_allow4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, struct ip6key);
    __type(value, __u8);
} vs_allow6 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct primary);
} vs_primary SEC(".maps");

// Mirrors of struct sockaddr_in / sockaddr_in6 for bpf_bind(): the libc headers cannot be used
// for the BPF target here (gnu/stubs-32.h is missing).
struct sin4 {
    __u16 family;
    __u16 port;
    __u32 addr;
    __u8 zero[8];
};
struct sin6 {
    __u16 family;
    __u16 port;
    __u32 flowinfo;
    __u32 addr[4];
    __u32 scope_id;
};

static __always_inline struct primary *get_primary(void) {
    __u32 k = 0;
    return bpf_map_lookup_elem(&vs_primary, &k);
}

static __always_inline int allowed4(__u32 ip) { return bpf_map_lookup_elem(&vs_allow4, &ip) != 0; }

static __always_inline int allowed6(const __u32 a[4]) {
    struct ip6key k = {{a[0], a[1], a[2], a[3]}};
    return bpf_map_lookup_elem(&vs_allow6, &k) != 0;
}

static __always_inline int is_loopback4(__u32 ip) { return (bpf_ntohl(ip) >> 24) == 127; }

static __always_inline int is_any6(const __u32 a[4]) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

static __always_inline int is_loopback6(const __u32 a[4]) {
    return a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == bpf_htonl(1);
}

static __always_inline int is_v4mapped(const __u32 a[4]) {
    return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

// ---- bind: a foreign address is refused (EPERM); the wildcard and loopback become the
// guest's primary address, so a service that binds 0.0.0.0 listens on the guest's IP only.

SEC("cgroup/bind4")
int vs_bind4(struct bpf_sock_addr *ctx) {
    struct primary *p = get_primary();
    if (!p) return 0;
    __u32 ip = ctx->user_ip4;
    if (ip == 0 || is_loopback4(ip)) {
        if (!p->has4) return 0;
        ctx->user_ip4 = p->ip4;
        return 1;
    }
    return allowed4(ip);
}

SEC("cgroup/bind6")
int vs_bind6(struct bpf_sock_addr *ctx) {
    struct primary *p = get_primary();
    if (!p) return 0;
    __u32 a[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
    if (is_any6(a) || is_loopback6(a)) {
        if (p->has6) {
            ctx->user_ip6[0] = p->ip6[0];
            ctx->user_ip6[1] = p->ip6[1];
            ctx->user_ip6[2] = p->ip6[2];
            ctx->user_ip6[3] = p->ip6[3];
            return 1;
        }
        if (p->has4) {  // dual-stack listener of an IPv4-only guest: its v4 address, mapped
            ctx->user_ip6[0] = 0;
            ctx->user_ip6[1] = 0;
            ctx->user_ip6[2] = bpf_htonl(0xffff);
            ctx->user_ip6[3] = p->ip4;
            return 1;
        }
        return 0;
    }
    if (is_v4mapped(a)) {
        if (is_loopback4(a[3]) && p->has4) {
            ctx->user_ip6[3] = p->ip4;
            return 1;
        }
        return allowed4(a[3]);
    }
    return allowed6(a);
}

// ---- post_bind: whatever the bind ended with (after every rewrite) must be the guest's.

SEC("cgroup/post_bind4")
int vs_post_bind4(struct bpf_sock *sk) { return allowed4(sk->src_ip4); }

SEC("cgroup/post_bind6")
int vs_post_bind6(struct bpf_sock *sk) {
    __u32 a[4] = {sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2], sk->src_ip6[3]};
    if (is_v4mapped(a)) return allowed4(a[3]);
    return allowed6(a);
}

// ---- connect: an unbound socket is bound to the primary address first (bpf_bind), so the
// kernel never picks a host address as the source. Loopback destinations are remapped to the
// guest's own address (VServer's lback_remap): "localhost" reaches the guest's own services.

SEC("cgroup/connect4")
int vs_connect4(struct bpf_sock_addr *ctx) {
    struct primary *p = get_primary();
    if (!p || !p->has4) return 0;
    if (is_loopback4(ctx->user_ip4)) ctx->user_ip4 = p->ip4;
    struct sin4 sa = {.family = AF_INET_, .port = 0, .addr = p->ip4};
    // Fails with EINVAL when the socket is bound already; bind4/post_bind4 checked that bind.
    bpf_bind(ctx, (struct sockaddr *)&sa, sizeof sa);
    return 1;
}

SEC("cgroup/connect6")
int vs_connect6(struct bpf_sock_addr *ctx) {
    struct primary *p = get_primary();
    if (!p) return 0;
    __u32 a[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
    struct sin6 sa = {.family = AF_INET6_};
    if (is_v4mapped(a)) {
        if (!p->has4) return 0;
        if (is_loopback4(a[3])) ctx->user_ip6[3] = p->ip4;
        sa.addr[2] = bpf_htonl(0xffff);
        sa.addr[3] = p->ip4;
    } else {
        if (!p->has6) return 0;
        if (is_loopback6(a)) {
            ctx->user_ip6[0] = p->ip6[0];
            ctx->user_ip6[1] = p->ip6[1];
            ctx->user_ip6[2] = p->ip6[2];
            ctx->user_ip6[3] = p->ip6[3];
        }
        sa.addr[0] = p->ip6[0];
        sa.addr[1] = p->ip6[1];
        sa.addr[2] = p->ip6[2];
        sa.addr[3] = p->ip6[3];
    }
    bpf_bind(ctx, (struct sockaddr *)&sa, sizeof sa);
    return 1;
}

// ---- sendmsg (unconnected UDP): an unset source becomes the primary, a foreign one (given
// with IP_PKTINFO) is refused.

SEC("cgroup/sendmsg4")
int vs_sendmsg4(struct bpf_sock_addr *ctx) {
    struct primary *p = get_primary();
    if (!p || !p->has4) return 0;
    if (is_loopback4(ctx->user_ip4)) ctx->user_ip4 = p->ip4;
    __u32 src = ctx->msg_src_ip4;
    if (src == 0) {
        ctx->msg_src_ip4 = p->ip4;
        return 1;
    }
    return allowed4(src);
}

SEC("cgroup/sendmsg6")
int vs_sendmsg6(struct bpf_sock_addr *ctx) {
    struct primary *p = get_primary();
    if (!p) return 0;
    __u32 d[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
    __u32 s[4] = {ctx->msg_src_ip6[0], ctx->msg_src_ip6[1], ctx->msg_src_ip6[2],
                  ctx->msg_src_ip6[3]};
    if (is_v4mapped(d)) {
        // The kernel sends these as IPv4 and takes the source from the v4 path; the egress
        // program below checks the final packet.
        if (!p->has4) return 0;
        if (is_loopback4(d[3])) ctx->user_ip6[3] = p->ip4;
        return 1;
    }
    if (!p->has6) return 0;
    if (is_loopback6(d)) {
        ctx->user_ip6[0] = p->ip6[0];
        ctx->user_ip6[1] = p->ip6[1];
        ctx->user_ip6[2] = p->ip6[2];
        ctx->user_ip6[3] = p->ip6[3];
    }
    if (is_any6(s)) {
        ctx->msg_src_ip6[0] = p->ip6[0];
        ctx->msg_src_ip6[1] = p->ip6[1];
        ctx->msg_src_ip6[2] = p->ip6[2];
        ctx->msg_src_ip6[3] = p->ip6[3];
        return 1;
    }
    return allowed6(s);
}

// ---- sock_create: no raw IP sockets (they choose their own headers). AF_PACKET never reaches
// this hook (it only runs for inet sockets), so the runtime also drops CAP_NET_RAW.

SEC("cgroup/sock_create")
int vs_sock_create(struct bpf_sock *sk) {
    if (sk->type == SOCK_RAW_) return 0;
    return 1;
}

// ---- packet filters: the backstop for everything the socket hooks cannot see, e.g. listen()
// without bind (autobind to 0.0.0.0 runs no bind hook): only packets to the guest's addresses
// come in, only packets from them go out.

static __always_inline int check_packet(struct __sk_buff *skb, int ingress) {
    __u8 vbyte;
    if (bpf_skb_load_bytes(skb, 0, &vbyte, 1) < 0) return 0;
    if ((vbyte >> 4) == 4) {
        __u32 ip;
        // IPv4 header: saddr at 12, daddr at 16.
        if (bpf_skb_load_bytes(skb, ingress ? 16 : 12, &ip, 4) < 0) return 0;
        return allowed4(ip);
    }
    if ((vbyte >> 4) == 6) {
        __u32 a[4];
        // IPv6 header: saddr at 8, daddr at 24.
        if (bpf_skb_load_bytes(skb, ingress ? 24 : 8, a, 16) < 0) return 0;
        if (is_v4mapped(a)) return allowed4(a[3]);
        return allowed6(a);
    }
    return 0;
}

SEC("cgroup_skb/ingress")
int vs_ingress(struct __sk_buff *skb) { return check_packet(skb, 1); }

SEC("cgroup_skb/egress")
int vs_egress(struct __sk_buff *skb) { return check_packet(skb, 0); }

char _license[] SEC("license") = "GPL";
