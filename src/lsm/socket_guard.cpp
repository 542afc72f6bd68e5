// lsm: loads bpf/sock_families.bpf.c with libbpf and attaches it to guests' cgroup2 nodes.
#include "lsm/socket_guard.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <functional>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "bpf/glue.hpp"

// The ELF bytes of bpf/sock_families.bpf.c, embedded by CMake ("BPF programs").
extern "C" {
extern const unsigned char vs_bpf_sock_families_start[];
extern const unsigned char vs_bpf_sock_families_end[];
}

namespace vs::lsm {

namespace {

// The programs' names in the object and in the kernel (bpf_prog_info.name keeps 15 bytes): the
// guard on each guest's cgroup, and the always-allow anchor on their parent.
constexpr const char* kProgName = "vs_sock_guard";
constexpr const char* kAnchorName = "vs_sock_anchor";
// The generated guard of an OCI container (set_families).
constexpr const char* kPolicyName = "vs_sock_policy";
// The kernel function an lsm_cgroup/socket_create program attaches to.
constexpr const char* kHook = "bpf_lsm_socket_create";

std::string_view object() {
    return {reinterpret_cast<const char*>(vs_bpf_sock_families_start),
            static_cast<size_t>(vs_bpf_sock_families_end - vs_bpf_sock_families_start)};
}

struct BtfFree {
    void operator()(btf* b) const { btf__free(b); }
};

// FNV-1a of the embedded object: a cache written for another build's program is not reused.
uint64_t object_hash() {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : object()) h = (h ^ c) * 1099511628211ULL;
    return h;
}

// The active LSMs, "lockdown,capability,landlock,bpf". systemd mounts securityfs on
// /sys/kernel/security; where nothing is mounted there, a detached instance (fsmount without
// move_mount: in no mount namespace, gone with its fd) is read instead.
Result<std::string> active_lsms() {
    if (auto s = sys::read_file("/sys/kernel/security/lsm"); s) return std::string(str::trim(*s));
    int f = ::fsopen("securityfs", FSOPEN_CLOEXEC);
    if (f < 0) return errno_error("fsopen securityfs");
    UniqueFd fs(f);
    if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        return errno_error("create securityfs");
    int m = ::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
    if (m < 0) return errno_error("fsmount securityfs");
    UniqueFd mnt(m);
    auto fd = VS_TRY(
        sys::open_at(mnt.get(), "lsm", O_RDONLY | O_NOFOLLOW | O_CLOEXEC).wrap("securityfs"));
    return std::string(str::trim(VS_TRY(sys::read_all(fd.get(), "securityfs lsm", 4096))));
}

// Loads program `name` for the hook whose BTF id is `btf_id`. Only the instructions are taken
// from the object (libbpf's own load would parse the kernel's BTF again to find the id).
Result<UniqueFd> load(uint32_t btf_id, const char* name = kProgName) {
    bpf::quiet_libbpf();
    auto bytes = object();
    LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "vs_sock_families");
    bpf::Object obj(bpf_object__open_mem(bytes.data(), bytes.size(), &oo));
    if (!obj) return errno_error("open the embedded BPF object sock_families");
    bpf_program* p = bpf_object__find_program_by_name(obj.get(), name);
    if (!p) return make_error(ENOENT, "BPF program {} missing from its object", name);
    LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = BPF_LSM_CGROUP,
                .attach_btf_id = btf_id);
    int fd = bpf_prog_load(BPF_PROG_TYPE_LSM, name, "GPL", bpf_program__insns(p),
                           bpf_program__insn_cnt(p), &lo);
    if (fd < 0) return bpf::error(fd, fmt::format("load BPF program {}", name));
    return UniqueFd(fd);
}

Support probe() {
    Support s;
    auto lsms = active_lsms();
    if (!lsms) {
        s.reason = "cannot read the kernel's active LSM list: " + lsms.error().what();
        return s;
    }
    bool bpf = false;
    for (auto& n : str::split(*lsms, ',')) bpf = bpf || n == "bpf";
    if (!bpf) {
        s.reason = fmt::format(
            "the bpf LSM is not active (active: {}); boot with lsm={},bpf on the kernel "
            "command line",
            *lsms, *lsms);
        return s;
    }
    errno = 0;
    std::unique_ptr<btf, BtfFree> vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux) {
        s.reason =
            Error(errno ? errno : ENOENT, "the kernel's BTF (/sys/kernel/btf/vmlinux)").what();
        return s;
    }
    int id = btf__find_by_name_kind(vmlinux.get(), kHook, BTF_KIND_FUNC);
    if (id <= 0) {
        s.reason = fmt::format("the kernel has no {} (CONFIG_BPF_LSM)", kHook);
        return s;
    }
    if (auto fd = load(static_cast<uint32_t>(id)); !fd) {
        // EINVAL before Linux 6.0 (no BPF_LSM_CGROUP); EPERM or ENOTSUPP where the kernel
        // runs no BPF trampolines.
        s.reason =
            "the kernel refuses lsm_cgroup BPF programs (Linux 6.0 or later with BPF "
            "trampolines): " +
            fd.error().what();
        return s;
    }
    s.usable = true;
    s.btf_id = static_cast<uint32_t>(id);
    return s;
}

// Cache file: "<boot id> <object hash>", then "usable <btf id>" or "unusable <reason>".
std::string cache_key() {
    auto boot = sys::read_file("/proc/sys/kernel/random/boot_id");
    if (!boot) return {};
    return fmt::format("{} {:016x}", str::trim(*boot), object_hash());
}

std::optional<Support> read_cache(const std::string& file, const std::string& key) {
    auto text = sys::read_file(file);
    if (!text) return std::nullopt;
    auto ls = str::lines(*text);
    if (ls.size() < 2 || ls[0] != key) return std::nullopt;
    Support s;
    if (str::starts_with(ls[1], "usable ")) {
        auto id = str::parse_u64(ls[1].substr(7));
        if (!id || *id == 0 || *id > UINT32_MAX) return std::nullopt;
        s.usable = true;
        s.btf_id = static_cast<uint32_t>(*id);
        return s;
    }
    if (str::starts_with(ls[1], "unusable ")) {
        s.reason = ls[1].substr(9);
        return s;
    }
    return std::nullopt;
}

// What bpf/sock_families.bpf.c's guard does, with the list and the errnos of `errnos`:
//   r2 = ctx[3] (kern); if r2 != 0 goto allow; r2 = ctx[0] (family)
//   per refused family F: if w2 != F goto next; r1 = -E; call bpf_set_retval; r0 = 0; exit
//   allow: r0 = 1; exit
std::vector<bpf_insn> policy_insns(const FamilyErrnos& errnos) {
    constexpr uint8_t R0 = 0, R1 = 1, R2 = 2;
    std::vector<bpf_insn> p;
    size_t refused = 0;
    for (auto e : errnos) refused += e != 0;
    p.push_back(bpf::insn(BPF_LDX | BPF_MEM | BPF_DW, R2, R1, 3 * 8, 0));
    p.push_back(
        bpf::insn(BPF_JMP | BPF_JNE | BPF_K, R2, 0, static_cast<int16_t>(5 * refused + 1), 0));
    p.push_back(bpf::insn(BPF_LDX | BPF_MEM | BPF_DW, R2, R1, 0, 0));
    for (size_t f = 0; f < errnos.size(); ++f) {
        if (!errnos[f]) continue;
        p.push_back(bpf::insn(BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, 4, static_cast<int32_t>(f)));
        p.push_back(
            bpf::insn(BPF_ALU64 | BPF_MOV | BPF_K, R1, 0, 0, -static_cast<int32_t>(errnos[f])));
        p.push_back(bpf::insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_set_retval));
        p.push_back(bpf::insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0));
        p.push_back(bpf::insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    }
    p.push_back(bpf::insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1));
    p.push_back(bpf::insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    return p;
}

Result<UniqueFd> load_policy(uint32_t btf_id, const FamilyErrnos& errnos) {
    auto insns = policy_insns(errnos);
    LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = BPF_LSM_CGROUP,
                .attach_btf_id = btf_id);
    int fd = bpf_prog_load(BPF_PROG_TYPE_LSM, kPolicyName, "GPL", insns.data(), insns.size(), &lo);
    if (fd < 0) return bpf::error(fd, fmt::format("load BPF program {}", kPolicyName));
    return UniqueFd(fd);
}

// The programs called `name` attached to the cgroup.
Result<std::vector<bpf::Attached>> ours(int cgfd, const char* name = kProgName) {
    return bpf::attached(cgfd, BPF_LSM_CGROUP, name);
}

// Program `name` attached to the cgroup `cgfd` once (ALLOW_MULTI: a guest's own child cgroups,
// which a systemd guest makes, inherit it and cannot replace it; other programs can still be
// attached beside it). The attachment holds the program; our fd goes.
Status attach_once(int cgfd, const char* name, const std::function<Result<UniqueFd>()>& load_it) {
    if (!VS_TRY(ours(cgfd, name)).empty()) return ok();
    auto prog = VS_TRY(load_it());
    int r = bpf_prog_attach(prog.get(), cgfd, BPF_LSM_CGROUP, BPF_F_ALLOW_MULTI);
    if (r < 0) return bpf::error(r, fmt::format("attach BPF program {}", name));
    return ok();
}

}  // namespace

Support support(const std::string& cache_file) {
    const std::string key = cache_key();
    if (!key.empty())
        if (auto c = read_cache(cache_file, key)) return *c;
    Support s = probe();
    if (!s.usable) log::debug("socket family guard unavailable: {}", s.reason);
    if (!key.empty()) {
        std::string body = s.usable ? fmt::format("usable {}", s.btf_id)
                                    : "unusable " + str::escape_control(s.reason);
        if (auto w = sys::write_file_atomic(cache_file, key + "\n" + body + "\n", 0644); !w)
            log::debug("cannot remember the socket guard probe: {}", w.error().what());
    }
    return s;
}

namespace {

std::string guard_what(const std::string& cgroup2_path) {
    return fmt::format("guard the socket families of \"{}\"", cgroup2_path);
}

// The always-allow anchor on the parent of `cgroup2_path`, first, so that the guard finds the
// hook's trampoline built.
Status anchor_parent(const std::string& cgroup2_path, uint32_t btf_id) {
    auto slash = cgroup2_path.find_last_of('/');
    if (slash == std::string::npos || slash == 0) return ok();
    auto parent = VS_TRY(bpf::open_cgroup(cgroup2_path.substr(0, slash)));
    return attach_once(parent.get(), kAnchorName, [&] { return load(btf_id, kAnchorName); });
}

// The anchor on the parent, then `name`.
Status attach_with_anchor(const std::string& cgroup2_path, uint32_t btf_id, const char* name,
                          const std::function<Result<UniqueFd>()>& load_it) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path).wrap("{}", guard_what(cgroup2_path)));
    VS_TRY(anchor_parent(cgroup2_path, btf_id).wrap("{}", guard_what(cgroup2_path)));
    return attach_once(cg.get(), name, load_it).wrap("{}", guard_what(cgroup2_path));
}

uint32_t prog_id(int fd) {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

// Detaches the policy guards in `progs` but the first `keep` of them.
Status detach_all(int cgfd, std::vector<bpf::Attached>& progs, size_t keep = 0) {
    for (size_t i = keep; i < progs.size(); ++i)
        if (int r = bpf_prog_detach2(progs[i].fd.get(), cgfd, BPF_LSM_CGROUP);
            r < 0 && r != -ENOENT)
            return bpf::error(
                r, fmt::format("detach BPF program {} (id {})", kPolicyName, progs[i].id));
    return ok();
}

}  // namespace

Result<bool> attach(const std::string& cgroup2_path, const std::string& cache_file) {
    Support s = support(cache_file);
    if (!s.usable) return false;
    VS_TRY(attach_with_anchor(cgroup2_path, s.btf_id, kProgName,
                              [&] { return load(s.btf_id, kProgName); }));
    return true;
}

Result<FamilyGuard> set_families(const std::string& cgroup2_path, int cgfd, const Support& s,
                                 const FamilyErrnos& errnos,
                                 const std::function<bool(uint32_t id)>& replaceable) {
    auto what = [&] { return guard_what(cgroup2_path); };
    VS_TRY(anchor_parent(cgroup2_path, s.btf_id).wrap("{}", what()));
    auto prog = VS_TRY(load_policy(s.btf_id, errnos).wrap("{}", what()));
    auto now = VS_TRY(ours(cgfd, kPolicyName).wrap("{}", what()));
    std::vector<bpf::Attached> off;
    for (auto& p : now)
        if (replaceable(p.id)) off.push_back(std::move(p));
    FamilyGuard g;
    if (off.empty()) {
        int r = bpf_prog_attach(prog.get(), cgfd, BPF_LSM_CGROUP, BPF_F_ALLOW_MULTI);
        if (r < 0)
            return bpf::error(r, fmt::format("{}: attach BPF program {}", what(), kPolicyName));
    } else {
        LIBBPF_OPTS(bpf_prog_attach_opts, o, .flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE,
                    .replace_prog_fd = off[0].fd.get());
        if (int r = bpf_prog_attach_opts(prog.get(), cgfd, BPF_LSM_CGROUP, &o); r < 0)
            return bpf::error(r, fmt::format("{}: replace BPF program {} (id {})", what(),
                                             kPolicyName, off[0].id));
        // The new guard is in place: a failed detach of another leaves a stricter node, not a
        // create failure without the new guard's undo.
        if (auto d = detach_all(cgfd, off, 1); !d) log::warn("{}: {}", what(), d.error().what());
        for (auto& p : off) g.replaced.push_back(std::move(p.fd));
    }
    g.id = prog_id(prog.get());
    return g;
}

Result<std::vector<uint32_t>> family_guards(int cgfd) {
    std::vector<uint32_t> ids;
    for (const auto& p : VS_TRY(ours(cgfd, kPolicyName))) ids.push_back(p.id);
    return ids;
}

Status undo_families(const std::string& cgroup2_path, int cgfd, FamilyGuard g) {
    auto what = [&] { return fmt::format("put back the socket guards of \"{}\"", cgroup2_path); };
    if (g.replaced.empty()) return detach_families(cgroup2_path, cgfd, g.id);
    auto now = VS_TRY(ours(cgfd, kPolicyName).wrap("{}", what()));
    auto mine = std::find_if(now.begin(), now.end(), [&](const auto& p) { return p.id == g.id; });
    if (mine == now.end()) return ok();  // replaced since by another create's: that one stays
    LIBBPF_OPTS(bpf_prog_attach_opts, o, .flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE,
                .replace_prog_fd = mine->fd.get());
    if (int r = bpf_prog_attach_opts(g.replaced[0].get(), cgfd, BPF_LSM_CGROUP, &o); r < 0)
        return bpf::error(r, what());
    for (size_t i = 1; i < g.replaced.size(); ++i)
        if (int r = bpf_prog_attach(g.replaced[i].get(), cgfd, BPF_LSM_CGROUP, BPF_F_ALLOW_MULTI);
            r < 0)
            return bpf::error(r, what());
    return ok();
}

Status detach_families(const std::string& cgroup2_path, int cgfd, uint32_t id) {
    if (id == 0) return ok();
    auto now = VS_TRY(ours(cgfd, kPolicyName));
    for (const auto& p : now) {
        if (p.id != id) continue;
        int r = bpf_prog_detach2(p.fd.get(), cgfd, BPF_LSM_CGROUP);
        if (r < 0 && r != -ENOENT)
            return bpf::error(r, fmt::format("detach the socket guard (BPF program {}) of \"{}\"",
                                             id, cgroup2_path));
    }
    return ok();
}

Result<bool> attached(const std::string& cgroup2_path) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path));
    return !VS_TRY(ours(cg.get())).empty() || !VS_TRY(ours(cg.get(), kPolicyName)).empty();
}

Status detach(const std::string& cgroup2_path) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_path));
    auto progs = VS_TRY(ours(cg.get()));
    for (auto& p : VS_TRY(ours(cg.get(), kPolicyName))) progs.push_back(std::move(p));
    for (const auto& p : progs) {
        int r = bpf_prog_detach2(p.fd.get(), cg.get(), BPF_LSM_CGROUP);
        if (r < 0 && r != -ENOENT)
            return bpf::error(r,
                              fmt::format("detach BPF program {} from \"{}\"", p.id, cgroup2_path));
    }
    return ok();
}

}  // namespace vs::lsm
