// libbpf glue shared by cgroup, net and lsm: log hook, errors, attached programs by name.
#include "bpf/glue.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

#include <fmt/format.h>

#include "base/log.hpp"
#include "base/sys.hpp"

namespace vs::bpf {

namespace {

int quiet_print(enum libbpf_print_level level, const char* fmt, va_list ap) {
    if (level == LIBBPF_DEBUG && !log::enabled(log::Level::Debug)) return 0;
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    std::string s(buf);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    log::debug("libbpf: {}", s);
    return 0;
}

// Room for this many ids per query. vserver-ng attaches one program of a name per node and
// type; a node crowded beyond this by others makes the kernel answer ENOSPC.
constexpr uint32_t kMaxProgs = 64;

}  // namespace

void quiet_libbpf() { libbpf_set_print(quiet_print); }

Error error(int ret, std::string what) { return Error(ret < 0 ? -ret : EIO, std::move(what)); }

Result<UniqueFd> open_cgroup(const std::string& path) {
    return sys::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC).wrap("open cgroup2 node");
}

Result<std::vector<Attached>> attached(int cgfd, bpf_attach_type type, std::string_view name,
                                       Match match) {
    uint32_t ids[kMaxProgs] = {}, flags[kMaxProgs] = {};
    LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = kMaxProgs);
    // For BPF_LSM_CGROUP the kernel wants each program's attach flags asked for with its id
    // (EINVAL otherwise): programs of one cgroup may differ there. Not for the other types:
    // kernels before 6.0 do not know the field and refuse a query that sets it.
    if (type == BPF_LSM_CGROUP) q.prog_attach_flags = flags;
    if (int r = bpf_prog_query_opts(cgfd, type, &q); r < 0) {
        const char* t = libbpf_bpf_attach_type_str(type);
        return error(r, fmt::format("query the cgroup's {} BPF programs",
                                    t ? t : fmt::format("type {}", int(type))));
    }
    std::vector<Attached> out;
    for (uint32_t i = 0; i < q.prog_cnt && i < kMaxProgs; ++i) {
        UniqueFd fd(bpf_prog_get_fd_by_id(ids[i]));
        if (!fd) continue;  // detached meanwhile
        bpf_prog_info info{};
        uint32_t len = sizeof info;
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
        std::string_view n(info.name, strnlen(info.name, sizeof info.name));
        if (match == Match::Exact ? n == name : n.substr(0, name.size()) == name)
            out.push_back({ids[i], std::move(fd)});
    }
    return out;
}

}  // namespace vs::bpf
