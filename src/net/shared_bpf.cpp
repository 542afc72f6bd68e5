// Shared-stack mode: libbpf load/attach/update/detach of bpf/shared_confine.bpf.c.
#include "net/shared_bpf.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "bpf/glue.hpp"
#include "net/bpf_objects.hpp"

namespace vs::net::shared_bpf {

namespace {

// Mirrors struct primary in bpf/shared_confine.bpf.c.
struct Primary {
    uint32_t ip4 = 0;
    uint32_t ip6[4] = {};
    uint32_t has4 = 0;
    uint32_t has6 = 0;
};

// Every attach type the object uses; detach and count walk exactly these.
constexpr bpf_attach_type kTypes[] = {
    BPF_CGROUP_INET4_BIND,      BPF_CGROUP_INET6_BIND,    BPF_CGROUP_INET4_POST_BIND,
    BPF_CGROUP_INET6_POST_BIND, BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,
    BPF_CGROUP_UDP4_SENDMSG,    BPF_CGROUP_UDP6_SENDMSG,  BPF_CGROUP_INET_SOCK_CREATE,
    BPF_CGROUP_INET_INGRESS,    BPF_CGROUP_INET_EGRESS,
};

// Our programs are recognised by name: every function in the object starts with "vs_".
constexpr const char* kPrefix = "vs_";

Primary primary_of(const std::vector<IpAddress>& addrs) {
    Primary p;
    for (const auto& a : addrs) {
        if (a.is_v4() && !p.has4) {
            std::memcpy(&p.ip4, a.data(), 4);
            p.has4 = 1;
        } else if (a.is_v6() && !p.has6) {
            std::memcpy(p.ip6, a.data(), 16);
            p.has6 = 1;
        }
    }
    return p;
}

// The three map fds of the programs attached to one cgroup.
struct Maps {
    UniqueFd allow4, allow6, primary;
};

Status fill(const Maps& m, const std::vector<IpAddress>& addrs) {
    uint8_t one = 1;
    for (const auto& a : addrs) {
        int fd = a.is_v4() ? m.allow4.get() : m.allow6.get();
        int r = bpf_map_update_elem(fd, a.data(), &one, BPF_ANY);
        if (r < 0) return bpf::error(r, fmt::format("allow {} in the BPF map", a.to_string()));
    }
    Primary p = primary_of(addrs);
    uint32_t k = 0;
    int r = bpf_map_update_elem(m.primary.get(), &k, &p, BPF_ANY);
    if (r < 0) return bpf::error(r, "set the primary address in the BPF map");
    return ok();
}

// Removes keys of `fd` (key size `ks`) that are not in `keep`.
Status prune(int fd, size_t ks, const std::vector<IpAddress>& keep) {
    std::vector<std::vector<uint8_t>> drop;
    std::vector<uint8_t> key(ks), next(ks);
    void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
        bool kept = false;
        for (const auto& a : keep)
            if (a.size() == ks && std::memcmp(a.data(), next.data(), ks) == 0) kept = true;
        if (!kept) drop.push_back(next);
        key = next;
        prev = key.data();
    }
    for (auto& k : drop) bpf_map_delete_elem(fd, k.data());
    return ok();
}

Result<std::vector<bpf::Attached>> ours(int cgfd, bpf_attach_type type) {
    return bpf::attached(cgfd, type, kPrefix, bpf::Match::Prefix);
}

// Each program references only the maps it uses, so the union over all of ours is needed.
Result<Maps> find_maps(int cgfd) {
    Maps m;
    bool any = false;
    for (auto type : kTypes) {
        for (const auto& p : VS_TRY(ours(cgfd, type))) {
            any = true;
            uint32_t map_ids[8] = {};
            bpf_prog_info info{};
            info.nr_map_ids = 8;
            info.map_ids = reinterpret_cast<uint64_t>(map_ids);
            uint32_t len = sizeof info;
            if (bpf_obj_get_info_by_fd(p.fd.get(), &info, &len) < 0) continue;
            for (uint32_t i = 0; i < info.nr_map_ids && i < 8; ++i) {
                UniqueFd mfd(bpf_map_get_fd_by_id(map_ids[i]));
                if (!mfd) continue;
                bpf_map_info mi{};
                uint32_t mlen = sizeof mi;
                if (bpf_obj_get_info_by_fd(mfd.get(), &mi, &mlen) < 0) continue;
                std::string name = mi.name;
                if (name == "vs_allow4" && !m.allow4)
                    m.allow4 = std::move(mfd);
                else if (name == "vs_allow6" && !m.allow6)
                    m.allow6 = std::move(mfd);
                else if (name == "vs_primary" && !m.primary)
                    m.primary = std::move(mfd);
            }
            if (m.allow4 && m.allow6 && m.primary) return m;
        }
    }
    if (!any) return make_error(ENOENT, "no shared-mode BPF programs attached");
    return make_error(ENOENT, "shared-mode BPF maps not found on the attached programs");
}

Status detach_fd(int cgfd) {
    for (auto type : kTypes) {
        for (const auto& p : VS_TRY(ours(cgfd, type))) {
            int r = bpf_prog_detach2(p.fd.get(), cgfd, type);
            if (r < 0 && r != -ENOENT)
                return bpf::error(r, fmt::format("detach BPF program {}", p.id));
        }
    }
    return ok();
}

}  // namespace

Status attach(const std::string& cgroup2_path, const std::vector<IpAddress>& addrs) {
    auto what = [&] { return fmt::format("confine \"{}\" to its addresses", cgroup2_path); };
    bpf::quiet_libbpf();
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path).wrap("{}", what()));
    VS_TRY(detach_fd(cg.get()).wrap("{}", what()));

    auto bytes = shared_confine_object();
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "vs_confine");
    bpf::Object obj(bpf_object__open_mem(bytes.data(), bytes.size(), &opts));
    if (!obj) return errno_error(fmt::format("{}: open embedded BPF object", what()));
    if (int r = bpf_object__load(obj.get()); r < 0)
        return bpf::error(r, fmt::format("{}: load BPF programs", what()));

    Maps m;
    auto map_fd = [&](const char* name) {
        bpf_map* map = bpf_object__find_map_by_name(obj.get(), name);
        return UniqueFd(map ? ::fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0) : -1);
    };
    m.allow4 = map_fd("vs_allow4");
    m.allow6 = map_fd("vs_allow6");
    m.primary = map_fd("vs_primary");
    if (!m.allow4 || !m.allow6 || !m.primary)
        return make_error(ENOENT, "{}: BPF maps missing from the object", what());
    VS_TRY(fill(m, addrs).wrap("{}", what()));

    bpf_program* prog;
    bpf_object__for_each_program(prog, obj.get()) {
        auto type = bpf_program__expected_attach_type(prog);
        int r = bpf_prog_attach(bpf_program__fd(prog), cg.get(), type, BPF_F_ALLOW_MULTI);
        if (r < 0) {
            Error e = bpf::error(
                r, fmt::format("{}: attach BPF program {}", what(), bpf_program__name(prog)));
            (void)detach_fd(cg.get());
            return e;
        }
    }
    // Closing the object drops our fds; each attachment holds its program, which holds the maps.
    return ok();
}

Status update(const std::string& cgroup2_path, const std::vector<IpAddress>& addrs) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path));
    auto m = VS_TRY(find_maps(cg.get()).wrap("update addresses of \"{}\"", cgroup2_path));
    VS_TRY(fill(m, addrs));
    VS_TRY(prune(m.allow4.get(), 4, addrs));
    VS_TRY(prune(m.allow6.get(), 16, addrs));
    return ok();
}

Result<std::vector<IpAddress>> allowed(const std::string& cgroup2_path) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path));
    auto m = VS_TRY(find_maps(cg.get()));
    std::vector<IpAddress> out;
    for (auto [fd, family] :
         {std::pair{m.allow4.get(), AF_INET}, std::pair{m.allow6.get(), AF_INET6}}) {
        IpAddress key, next;
        void* prev = nullptr;
        while (bpf_map_get_next_key(fd, prev, next.bytes.data()) == 0) {
            next.family = family;
            out.push_back(next);
            key = next;
            prev = key.bytes.data();
        }
    }
    return out;
}

Status detach(const std::string& cgroup2_path) {
    if (cgroup2_path.empty() || !sys::is_dir(cgroup2_path)) return ok();
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path));
    return detach_fd(cg.get()).wrap("remove BPF programs from \"{}\"", cgroup2_path);
}

Result<int> attached_count(const std::string& cgroup2_path) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path));
    int n = 0;
    for (auto type : kTypes) {
        // Not VS_TRY: its statement expression in this unrolled loop trips a false
        // -Wuse-after-free in GCC 12 at -O3.
        auto progs = ours(cg.get(), type);
        if (!progs) return std::move(progs).error();
        n += static_cast<int>(progs->size());
    }
    return n;
}

Result<int> loaded_program_count() {
    uint32_t id = 0;
    int n = 0;
    while (bpf_prog_get_next_id(id, &id) == 0) ++n;
    return n;
}

}  // namespace vs::net::shared_bpf
