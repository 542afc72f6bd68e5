// Registry rows for the modern limits/ dir (cgroup v2 names, mapped onto v1 too) and dlimits/.
#include <cctype>
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/derive.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"

namespace vs::config::vserver::rows {

namespace {

std::optional<int64_t> derived(const spec::GuestSpec& s,
                               std::optional<int64_t> spec::Resources::*f) {
    return resources_from_rlimits(s).*f;
}

using I64Field = std::optional<int64_t> spec::Resources::*;

// limits/<file> holding bytes or "max"; skipped by the writer when rlimits imply the same value.
Key bytes_row(const std::string& file, I64Field field, bool LoadState::*seen, bool allow_zero,
              std::string doc) {
    return {
        "limits/" + file,
        FileKind::Scalar,
        "bytes (K/M/G/T suffix) or max",
        [field, seen, allow_zero](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
            s.resources.*field = VS_TRY(parse_bytes_or_max(f.text, allow_zero));
            if (seen) st.*seen = true;
            return ok();
        },
        [field, file, seen](const spec::GuestSpec& s, std::vector<OutFile>& o) {
            const auto& v = s.resources.*field;
            if (!v || (seen && derived(s, field) == v)) return;
            line(o, "limits/" + file, format_bytes_or_max(*v));
        },
        std::move(doc)};
}

Result<uint64_t> parse_weight(std::string_view text, std::string_view what) {
    return static_cast<uint64_t>(VS_TRY(parse_int(text, 1, 10000, what)));
}

// dlimits/<id>/<file> bits for LoadState::dlimit_seen.
constexpr unsigned kDirectory = 1, kSpace = 2, kInodes = 4, kReserved = 8;

spec::DiskLimit& dlimit(spec::GuestSpec& s, const std::string& id) {
    for (auto& d : s.dlimits)
        if (d.id == id) return d;
    s.dlimits.push_back({});
    s.dlimits.back().id = id;
    return s.dlimits.back();
}

}  // namespace

void add_resources(std::vector<Key>& out) {
    out.push_back(
        bytes_row("memory.max", &spec::Resources::memory_max, &LoadState::memory_max_set, false,
                  "hard memory limit of the guest's cgroup (v2 memory.max; the v1 backend uses "
                  "memory.limit_in_bytes); an OOM kills inside the guest only"));
    out.push_back(
        bytes_row("memory.high", &spec::Resources::memory_high, &LoadState::memory_high_set, false,
                  "reclaim threshold (v2 memory.high; v1 backend: memory.soft_limit_in_bytes)"));
    out.push_back(bytes_row("memory.swap.max", &spec::Resources::memory_swap_max, nullptr, true,
                            "swap limit, 0 = no swap (v2 memory.swap.max; the v1 backend derives "
                            "memory.memsw.limit_in_bytes)"));

    out.push_back(
        {"limits/cpu.max", FileKind::Scalar, "QUOTA PERIOD | max PERIOD | QUOTA",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             auto v = scalar(f.text);
             auto w = str::split_ws(v);
             if (w.empty() || w.size() > 2)
                 return make_error(EINVAL, "invalid cpu.max {}: QUOTA [PERIOD] expected",
                                   str::quote(v));
             int64_t quota = -1;
             if (w[0] != "max") {
                 auto q = parse_int(w[0], 1000, INT64_MAX / 2, "cpu.max quota");
                 if (!q)
                     return make_error(EINVAL,
                                       "invalid cpu.max {}: quota must be max or "
                                       ">= 1000 (microseconds)",
                                       str::quote(v));
                 quota = *q;
             }
             uint64_t period = 100000;
             if (w.size() == 2) {
                 auto p = parse_int(w[1], 1000, 1000000, "cpu.max period");
                 if (!p)
                     return make_error(EINVAL,
                                       "invalid cpu.max {}: period must be "
                                       "1000..1000000 (microseconds)",
                                       str::quote(v));
                 period = static_cast<uint64_t>(*p);
             }
             s.resources.cpu_quota_us = quota;
             s.resources.cpu_period_us = period;
             st.cpu_max_set = true;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             const auto& r = s.resources;
             if (!r.cpu_quota_us && !r.cpu_period_us) return;
             std::string q =
                 !r.cpu_quota_us || *r.cpu_quota_us < 0 ? "max" : std::to_string(*r.cpu_quota_us);
             line(o, "limits/cpu.max", fmt::format("{} {}", q, r.cpu_period_us.value_or(100000)));
         },
         "CPU bandwidth: QUOTA microseconds per PERIOD (default 100000) (v2 cpu.max; v1 "
         "backend: cpu.cfs_quota_us/cpu.cfs_period_us)"});

    out.push_back(
        {"limits/cpu.weight", FileKind::Scalar, "uint 1..10000",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.resources.cpu_weight = VS_TRY(parse_weight(f.text, "cpu.weight"));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.resources.cpu_weight)
                 line(o, "limits/cpu.weight", std::to_string(*s.resources.cpu_weight));
         },
         "relative CPU share, kernel default 100 (v2 cpu.weight; the v1 backend converts to "
         "cpu.shares)"});

    out.push_back({"limits/pids.max", FileKind::Scalar, "uint or max",
                   [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
                       auto v = scalar(f.text);
                       if (v == "max")
                           s.resources.pids_max = -1;
                       else
                           s.resources.pids_max = VS_TRY(parse_int(v, 1, INT32_MAX, "pids.max"));
                       st.pids_max_set = true;
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       const auto& v = s.resources.pids_max;
                       if (!v || derived(s, &spec::Resources::pids_max) == v) return;
                       line(o, "limits/pids.max", *v < 0 ? "max" : std::to_string(*v));
                   },
                   "maximum number of tasks in the guest (pids.max on v1 and v2); wins over "
                   "rlimits/nproc"});

    out.push_back(
        {"limits/io.weight", FileKind::Scalar, "uint 1..10000",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.resources.io_weight = VS_TRY(parse_weight(f.text, "io.weight"));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.resources.io_weight)
                 line(o, "limits/io.weight", std::to_string(*s.resources.io_weight));
         },
         "relative IO share, kernel default 100 (v2 io.weight; the v1 backend converts to "
         "blkio.weight)"});

    out.push_back({"limits/hugetlb.*.max", FileKind::Scalar, "bytes or max",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       const std::string& size = f.parts[0];
                       if (size.empty() || !std::isdigit(static_cast<unsigned char>(size[0])) ||
                           size.find_first_not_of("0123456789KMGB") != std::string::npos)
                           return make_error(EINVAL, "invalid huge page size {} (2MB, 1GB)",
                                             str::quote(size));
                       auto v = VS_TRY(parse_bytes_or_max(f.text));
                       s.resources.hugetlb_max[size] = format_bytes_or_max(v);
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       for (const auto& [size, v] : s.resources.hugetlb_max)
                           line(o, "limits/hugetlb." + size + ".max", v);
                   },
                   "huge page limit per page size (v2 hugetlb.<size>.max; v1 backend: "
                   "hugetlb.<size>.limit_in_bytes)"});

    out.push_back(
        {"dlimits/*/directory", FileKind::Scalar, "absolute path",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             auto v = scalar(f.text);
             if (v.empty() || v.front() != '/')
                 return make_error(EINVAL, "invalid directory {}: not an absolute path",
                                   str::quote(v));
             dlimit(s, f.parts[0]).directory = v;
             st.dlimit_seen[f.parts[0]] |= kDirectory;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& d : s.dlimits) line(o, "dlimits/" + d.id + "/directory", d.directory);
         },
         "the limited directory (the guest root or a mount in it), absolute on the host"});
    out.push_back(
        {"dlimits/*/space_total", FileKind::Scalar, "KiB",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             dlimit(s, f.parts[0]).space_total_kib =
                 static_cast<uint64_t>(VS_TRY(parse_int(f.text, 1, INT64_MAX, "space_total")));
             st.dlimit_seen[f.parts[0]] |= kSpace;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& d : s.dlimits)
                 line(o, "dlimits/" + d.id + "/space_total", std::to_string(d.space_total_kib));
         },
         "space limit in 1 KiB blocks: project quota (ext4/XFS, project id = context) or btrfs "
         "qgroup"});
    out.push_back(
        {"dlimits/*/inodes_total", FileKind::Scalar, "uint",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             dlimit(s, f.parts[0]).inodes_total =
                 static_cast<uint64_t>(VS_TRY(parse_int(f.text, 1, INT64_MAX, "inodes_total")));
             st.dlimit_seen[f.parts[0]] |= kInodes;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& d : s.dlimits)
                 line(o, "dlimits/" + d.id + "/inodes_total", std::to_string(d.inodes_total));
         },
         "inode limit: project quota inode limit (btrfs qgroups cannot limit inodes: warned)"});
    out.push_back(
        {"dlimits/*/reserved", FileKind::Scalar, "percent 0..100",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             dlimit(s, f.parts[0]).reserved_pct =
                 static_cast<uint32_t>(VS_TRY(parse_int(f.text, 0, 100, "reserved")));
             st.dlimit_seen[f.parts[0]] |= kReserved;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& d : s.dlimits)
                 line(o, "dlimits/" + d.id + "/reserved", std::to_string(d.reserved_pct));
         },
         "percent of the space kept for guest root: the soft limit is total*(100-reserved)/100"});
    out.push_back({"dlimits/*/disabled", FileKind::Bool, "bool (exists)",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       dlimit(s, f.parts[0]).disabled = VS_TRY(parse_bool(f.text));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       for (const auto& d : s.dlimits)
                           if (d.disabled) flag_file(o, "dlimits/" + d.id + "/disabled");
                   },
                   "keep this disk limit in the config but do not apply it (DiskLimit.disabled)"});
}

}  // namespace vs::config::vserver::rows
