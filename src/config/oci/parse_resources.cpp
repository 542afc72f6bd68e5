// config.json's "linux.resources" (and `update --resources`): cgroup limits in the spec's terms.
#include <cerrno>

#include "base/strings.hpp"
#include "config/oci/parse.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

/// A major or minor number: -1 (or absent) is the wildcard '*'.
Result<std::optional<int64_t>> dev_number(const Node& n) {
    if (!n.present()) return std::optional<int64_t>();
    int64_t v = VS_TRY(n.int_in(-1, (1 << 20) - 1));
    if (v == -1) return std::optional<int64_t>();
    return std::optional<int64_t>(v);
}

Result<std::vector<so::DeviceRule>> parse_device_rules(const Node& n) {
    std::vector<so::DeviceRule> out;
    for (const auto& e : VS_TRY(n.elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"allow", "type", "major", "minor", "access"});
        so::DeviceRule r;
        if (!e["allow"].present()) return e["allow"].error("required");
        r.allow = VS_TRY(e["allow"].boolean());
        if (e["type"].present()) r.type = VS_TRY(e["type"].letter("acb"));
        r.major = VS_TRY(dev_number(e["major"]));
        r.minor = VS_TRY(dev_number(e["minor"]));
        if (e["access"].present()) {
            std::string a = VS_TRY(e["access"].str());
            // Any order, each once; kept as "rwm" order so rules compare equal.
            bool r_ = false, w = false, m = false, bad = a.empty();
            for (char c : a) {
                bool& f = c == 'r' ? r_ : c == 'w' ? w : m;
                bad = bad || (c != 'r' && c != 'w' && c != 'm') || f;
                f = true;
            }
            if (bad) return e["access"].error("{} is not a subset of \"rwm\"", e["access"].show());
            r.access = std::string(r_ ? "r" : "") + (w ? "w" : "") + (m ? "m" : "");
        }
        out.push_back(std::move(r));
    }
    return out;
}

Result<so::MemoryResources> parse_memory(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
                    "disableOOMKiller", "useHierarchy", "checkBeforeUpdate"});
    so::MemoryResources m;
    // Bytes; -1 is "no limit" (the spec), anything else below it nonsense.
    for (auto [k, f] : {std::pair{"limit", &m.limit},
                        {"reservation", &m.reservation},
                        {"swap", &m.swap},
                        {"kernel", &m.kernel},
                        {"kernelTCP", &m.kernel_tcp}})
        if (n[k].present()) *f = VS_TRY(n[k].int_in(-1, INT64_MAX));
    // Kernel memory accounting has no limit file since Linux 5.16 (v1 kmem.limit_in_bytes
    // gone; runc ignores it too, the spec deprecates it).
    if (m.kernel && *m.kernel != 0 && *m.kernel != -1)
        return n["kernel"].error("not supported: kernel memory limits are gone from Linux 5.16 on");
    if (Node sw = n["swappiness"]; sw.present()) {
        // Go writes -1 into its uint64 field as 2^64-1; both mean "not set" to runc.
        bool unset = sw.raw().is_number_integer() && sw.raw().get<int64_t>() == -1;
        unset = unset || (sw.raw().is_number_unsigned() && sw.raw().get<uint64_t>() == UINT64_MAX);
        if (!unset) {
            uint64_t v = VS_TRY(sw.u64());
            if (v > 100) return sw.error("{} is out of range 0..100", v);
            m.swappiness = v;
        }
    }
    if (m.limit && m.swap && *m.limit > 0 && *m.swap > 0 && *m.swap < *m.limit)
        return n["swap"].error("{} is below limit {}: swap is memory plus swap", *m.swap, *m.limit);
    for (auto [k, f] : {std::pair{"disableOOMKiller", &m.disable_oom_killer},
                        {"useHierarchy", &m.use_hierarchy},
                        {"checkBeforeUpdate", &m.check_before_update}})
        if (n[k].present()) *f = VS_TRY(n[k].boolean());
    return m;
}

Result<so::CpuResources> parse_cpu(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"shares", "quota", "burst", "period", "realtimeRuntime", "realtimePeriod",
                    "cpus", "mems", "idle"});
    so::CpuResources c;
    if (n["shares"].present()) c.shares = VS_TRY(n["shares"].u64());
    // cgroup v1 cpu.shares is clamped by the kernel to 2..262144; 0 means "not set" in Go.
    if (c.shares && *c.shares != 0 && (*c.shares < 2 || *c.shares > 262144))
        return n["shares"].error("{} is out of range 2..262144", *c.shares);
    if (c.shares && *c.shares == 0) c.shares.reset();
    if (n["quota"].present()) c.quota = VS_TRY(n["quota"].int_in(-1, INT64_MAX));
    if (n["burst"].present()) c.burst = VS_TRY(n["burst"].u64());
    if (n["period"].present()) c.period = VS_TRY(n["period"].u64());
    if (c.period && *c.period != 0 && (*c.period < 1000 || *c.period > 1000000))
        return n["period"].error("{} is out of range 1000..1000000 (microseconds)", *c.period);
    if (c.period && *c.period == 0) c.period.reset();
    if (n["realtimeRuntime"].present())
        c.realtime_runtime = VS_TRY(n["realtimeRuntime"].int_in(-1, INT64_MAX));
    if (n["realtimePeriod"].present()) c.realtime_period = VS_TRY(n["realtimePeriod"].u64());
    for (auto [k, f] : {std::pair{"cpus", &c.cpus}, {"mems", &c.mems}}) {
        if (!n[k].present()) continue;
        std::string v = VS_TRY(n[k].str());
        if (v.empty()) continue;  // Go's zero value: not set
        // cpuset(7) "List format": "0-3,5,7-8".
        bool good = true;
        for (const auto& part : str::split(v, ',', false)) {
            auto range = str::split(part, '-', false);
            good = good && (range.size() == 1 || range.size() == 2);
            for (const auto& x : range)
                good = good && !x.empty() &&
                       x.find_first_not_of("0123456789") == std::string::npos && x.size() <= 9;
            if (good && range.size() == 2)
                good = *str::parse_u64(range[0]) <= *str::parse_u64(range[1]);
        }
        if (!good) return n[k].error("{} is not a cpuset list (\"0-3,5\")", n[k].show());
        *f = v;
    }
    if (n["idle"].present()) c.idle = VS_TRY(n["idle"].int_in(0, 1));
    return c;
}

Result<std::vector<so::ThrottleDevice>> parse_throttle(const Node& n) {
    std::vector<so::ThrottleDevice> out;
    for (const auto& e : VS_TRY(n.elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"major", "minor", "rate"});
        so::ThrottleDevice t;
        for (const char* k : {"major", "minor", "rate"})
            if (!e[k].present()) return e[k].error("required");
        t.major = VS_TRY(e["major"].int_in(0, (1 << 12) - 1));
        t.minor = VS_TRY(e["minor"].int_in(0, (1 << 20) - 1));
        t.rate = VS_TRY(e["rate"].u64());
        out.push_back(t);
    }
    return out;
}

Result<std::optional<uint16_t>> blkio_weight(const Node& n) {
    if (!n.present()) return std::optional<uint16_t>();
    int64_t w = VS_TRY(n.int_in(0, 1000));
    // blkio.weight: 10..1000; 0 is Go's "not set".
    if (w == 0) return std::optional<uint16_t>();
    if (w < 10) return n.error("{} is out of range 10..1000", w);
    return std::optional<uint16_t>(static_cast<uint16_t>(w));
}

Result<so::BlockIoResources> parse_blkio(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"weight", "leafWeight", "weightDevice", "throttleReadBpsDevice",
                    "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice"});
    so::BlockIoResources b;
    b.weight = VS_TRY(blkio_weight(n["weight"]));
    b.leaf_weight = VS_TRY(blkio_weight(n["leafWeight"]));
    for (const auto& e : VS_TRY(n["weightDevice"].elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"major", "minor", "weight", "leafWeight"});
        so::WeightDevice w;
        for (const char* k : {"major", "minor"})
            if (!e[k].present()) return e[k].error("required");
        w.major = VS_TRY(e["major"].int_in(0, (1 << 12) - 1));
        w.minor = VS_TRY(e["minor"].int_in(0, (1 << 20) - 1));
        w.weight = VS_TRY(blkio_weight(e["weight"]));
        w.leaf_weight = VS_TRY(blkio_weight(e["leafWeight"]));
        b.weight_device.push_back(w);
    }
    b.throttle_read_bps = VS_TRY(parse_throttle(n["throttleReadBpsDevice"]));
    b.throttle_write_bps = VS_TRY(parse_throttle(n["throttleWriteBpsDevice"]));
    b.throttle_read_iops = VS_TRY(parse_throttle(n["throttleReadIOPSDevice"]));
    b.throttle_write_iops = VS_TRY(parse_throttle(n["throttleWriteIOPSDevice"]));
    return b;
}

Result<std::vector<so::HugepageLimit>> parse_hugepages(const Node& n) {
    std::vector<so::HugepageLimit> out;
    for (const auto& e : VS_TRY(n.elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"pageSize", "limit"});
        so::HugepageLimit h;
        for (const char* k : {"pageSize", "limit"})
            if (!e[k].present()) return e[k].error("required");
        h.page_size = VS_TRY(e["pageSize"].str());
        // hugetlb.<size>.*: "2MB", "1GB", "64KB" (the kernel's names for its page sizes).
        const auto& s = h.page_size;
        bool good = s.size() >= 3 && s.size() <= 8 && s[0] != '0' &&
                    (s.ends_with("KB") || s.ends_with("MB") || s.ends_with("GB")) &&
                    s.find_first_not_of("0123456789") == s.size() - 2;
        if (!good)
            return e["pageSize"].error("{} is not a page size (\"2MB\")", e["pageSize"].show());
        for (const auto& o : out)
            if (o.page_size == s) return e["pageSize"].error("{} given twice", str::quote(s));
        h.limit = VS_TRY(e["limit"].u64());
        out.push_back(std::move(h));
    }
    return out;
}

Result<so::NetworkResources> parse_network(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"classID", "priorities"});
    so::NetworkResources r;
    if (n["classID"].present()) r.class_id = VS_TRY(n["classID"].u32());
    for (const auto& e : VS_TRY(n["priorities"].elements())) {
        VS_TRY(e.expect_object());
        e.note_unknown({"name", "priority"});
        so::NetworkPriority p;
        p.name = VS_TRY(e["name"].str());
        // An interface name (IFNAMSIZ - 1 bytes, no '/', no space: net/core/dev.c).
        if (p.name.empty() || p.name.size() > 15 ||
            p.name.find_first_of("/ :") != std::string::npos)
            return e["name"].error("{} is not an interface name", e["name"].show());
        p.priority = VS_TRY(e["priority"].u32());
        r.priorities.push_back(std::move(p));
    }
    return r;
}

Result<std::map<std::string, std::string>> parse_unified(const Node& n) {
    auto m = VS_TRY(n.string_map());
    for (const auto& [k, v] : m) {
        // A file of the container's own cgroup: "memory.high", never a path.
        if (k.find('/') != std::string::npos || k.find('.') == std::string::npos ||
            k.front() == '.' || k.find_first_of(" \n\t") != std::string::npos)
            return n[k].error("not a cgroup v2 \"controller.file\" name");
        if (v.find('\n') != std::string::npos)
            return n[k].error("{}: one line only", str::quote(v));
    }
    return m;
}

}  // namespace

Result<so::Resources> parse_resources_node(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits", "network",
                    "rdma", "unified"});
    so::Resources r;
    r.devices = VS_TRY(parse_device_rules(n["devices"]));
    if (n["memory"].present()) r.memory = VS_TRY(parse_memory(n["memory"]));
    if (n["cpu"].present()) r.cpu = VS_TRY(parse_cpu(n["cpu"]));
    if (Node p = n["pids"]; p.present()) {
        VS_TRY(p.expect_object());
        p.note_unknown({"limit"});
        if (p["limit"].present()) r.pids_limit = VS_TRY(p["limit"].int_in(-1, INT64_MAX));
    }
    if (n["blockIO"].present()) r.block_io = VS_TRY(parse_blkio(n["blockIO"]));
    r.hugepage_limits = VS_TRY(parse_hugepages(n["hugepageLimits"]));
    if (n["network"].present()) r.network = VS_TRY(parse_network(n["network"]));
    for (const auto& [dev, v] : VS_TRY(n["rdma"].members())) {
        VS_TRY(v.expect_object());
        v.note_unknown({"hcaHandles", "hcaObjects"});
        so::RdmaLimit l;
        if (v["hcaHandles"].present()) l.hca_handles = VS_TRY(v["hcaHandles"].u32());
        if (v["hcaObjects"].present()) l.hca_objects = VS_TRY(v["hcaObjects"].u32());
        if (dev.empty() || dev.find_first_of("/ \n") != std::string::npos)
            return v.error("not an RDMA device name");
        r.rdma.emplace(dev, l);
    }
    r.unified = VS_TRY(parse_unified(n["unified"]));
    return r;
}

}  // namespace vs::config::oci
