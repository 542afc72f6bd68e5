// vsrun's verbs that inspect and adjust a container and write a bundle's spec: ps, list,
// update, events, spec. Options parsed here, runtime/oci called, runc's output printed.
#include "cli/vsrun_verbs.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "cli/registry.hpp"
#include "cli/vsrun_args.hpp"
#include "cli/vsrun_options.hpp"
#include "config/oci/generate.hpp"
#include "config/oci/parse.hpp"
#include "config/oci/to_guest_spec.hpp"

namespace vs::cli::vsrun {

namespace oci = runtime::oci;

namespace {

/// "512m", "1G", "4096": bytes (runc's --memory); -1: unlimited.
Error err_swap(const std::string& v) {
    return make_error(EINVAL,
                      "--memory-swap \"{}\": give it with --memory, at least as large (memory "
                      "plus swap), or -1",
                      v);
}

Result<int64_t> parse_bytes(const std::string& flag, const std::string& text) {
    if (text == "-1") return int64_t{-1};
    std::string t = text;
    uint64_t mult = 1;
    if (!t.empty()) {
        char u = static_cast<char>(::tolower(static_cast<unsigned char>(t.back())));
        if (u == 'b') t.pop_back(), u = t.empty() ? 0 : static_cast<char>(::tolower(t.back()));
        if (u == 'k' || u == 'm' || u == 'g' || u == 't') {
            mult = u == 'k'   ? 1ull << 10
                   : u == 'm' ? 1ull << 20
                   : u == 'g' ? 1ull << 30
                              : 1ull << 40;
            t.pop_back();
        }
    }
    auto n = str::parse_u64(t);
    if (!n || *n > static_cast<uint64_t>(INT64_MAX) / mult)
        return make_error(EINVAL, "{} \"{}\" is not a size (bytes, or with k, m, g, t)", flag,
                          text);
    return static_cast<int64_t>(*n * mult);
}

/// `update`'s resources: --resources FILE ("-": stdin, a linux.resources object), then the
/// single flags over it. Its `devices` rules, when it has any, go to `devices`.
Result<spec::Resources> update_resources(
    const Parsed& p, std::optional<std::vector<spec::oci::DeviceRule>>& devices) {
    spec::Resources res;
    if (p.has("resources")) {
        std::string path = p.get("resources");
        std::string text;
        if (path == "-") {
            text = VS_TRY(sys::read_all(STDIN_FILENO, "stdin", 16 << 20));
        } else {
            text = VS_TRY(sys::read_file(path).wrap("--resources"));
        }
        auto parsed = VS_TRY(config::oci::parse_resources(text).wrap("--resources {}", path));
        res = VS_TRY(config::oci::to_resources(parsed));
        if (!parsed.devices.empty()) devices = parsed.devices;
    }
    auto num = [&](const char* flag) -> Result<std::optional<int64_t>> {
        if (!p.has(flag)) return std::optional<int64_t>{};
        std::string v = p.get(flag);
        if (v == "-1") return std::optional<int64_t>{-1};
        auto n = str::parse_u64(v);
        if (!n || *n > static_cast<uint64_t>(INT64_MAX))
            return make_error(EINVAL, "--{} \"{}\" is not a number", flag, v);
        return std::optional<int64_t>{static_cast<int64_t>(*n)};
    };
    if (p.has("memory")) res.memory_max = VS_TRY(parse_bytes("--memory", p.get("memory")));
    if (p.has("memory-swap")) {
        int64_t swap = VS_TRY(parse_bytes("--memory-swap", p.get("memory-swap")));
        // runc's --memory-swap is memory plus swap, as in config.json.
        if (swap == -1)
            res.memory_swap_max = -1;
        else if (res.memory_max && *res.memory_max > 0 && swap >= *res.memory_max)
            res.memory_swap_max = swap - *res.memory_max;
        else
            return err_swap(p.get("memory-swap"));
    }
    if (auto v = VS_TRY(num("pids-limit"))) res.pids_max = *v <= 0 ? int64_t{-1} : *v;
    if (auto v = VS_TRY(num("cpu-shares")); v && *v > 0) {
        uint64_t sh = std::clamp<uint64_t>(static_cast<uint64_t>(*v), 2, 262144);
        res.cpu_weight = 1 + ((sh - 2) * 9999) / 262142;
    }
    if (auto v = VS_TRY(num("cpu-quota"))) res.cpu_quota_us = *v;
    if (auto v = VS_TRY(num("cpu-period")); v && *v > 0) res.cpu_period_us = *v;
    if (p.has("cpuset-cpus")) res.cpuset_cpus = p.get("cpuset-cpus");
    if (p.has("cpuset-mems")) res.cpuset_mems = p.get("cpuset-mems");
    return res;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> w;
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size(); ++i) {
            if (w.size() <= i) w.push_back(0);
            w[i] = std::max(w[i], r[i].size());
        }
    for (const auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i)
            line += i + 1 == r.size() ? r[i] : fmt::format("{:<{}}   ", r[i], w[i]);
        fmt::print("{}\n", line);
    }
}

}  // namespace

Result<int> verb_ps(const std::vector<std::string>& args, size_t at, const oci::Options& opt) {
    auto p = VS_TRY(parse(args, at, options_of("ps")));
    if (p.positional.empty()) return make_error(EINVAL, "ps: a container id is required");
    auto pids = VS_TRY(oci::pids(opt, p.positional[0]));
    // --json: vserver-ng's spelling of runc's --format json (docs/json.md).
    std::string format = p.flag("json") ? "json" : p.get("format", "table");
    if (format == "json") {
        fmt::print("{}\n", nlohmann::json(pids).dump());
        return kOk;
    }
    if (format != "table")
        return make_error(EINVAL, "ps: --format \"{}\": use table or json", format);
    std::vector<std::vector<std::string>> rows = {{"PID", "CMD"}};
    for (pid_t pid : pids) {
        auto cmd = sys::read_file(fmt::format("/proc/{}/cmdline", pid));
        std::string c = cmd ? *cmd : "";
        for (auto& ch : c)
            if (ch == '\0') ch = ' ';
        rows.push_back({std::to_string(pid), str::escape_control(str::trim(c))});
    }
    print_table(rows);
    return kOk;
}

Result<int> verb_list(const std::vector<std::string>& args, size_t at, const oci::Options& opt) {
    auto p = VS_TRY(parse(args, at, options_of("list")));
    auto all = VS_TRY(oci::list(opt));
    std::string format = p.flag("json") ? "json" : p.get("format", "table");
    if (p.flag("quiet")) {
        for (const auto& e : all) fmt::print("{}\n", e.record.id);
        return kOk;
    }
    if (format == "json") {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& e : all)
            arr.push_back(nlohmann::json::parse(oci::state_json(e.record, e.state, false)));
        fmt::print("{}\n", arr.dump());
        return kOk;
    }
    if (format != "table")
        return make_error(EINVAL, "list: --format \"{}\": use table or json", format);
    std::vector<std::vector<std::string>> rows = {
        {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& e : all)
        rows.push_back({e.record.id,
                        std::to_string(e.state == oci::State::Stopped ? 0 : e.record.pid),
                        oci::state_name(e.state), e.record.bundle, e.record.created,
                        e.record.owner == 0 ? "root" : std::to_string(e.record.owner)});
    print_table(rows);
    return kOk;
}

Result<int> verb_update(const std::vector<std::string>& args, size_t at, const oci::Options& opt) {
    auto p = VS_TRY(parse(args, at, options_of("update")));
    auto id = VS_TRY(one_id(p, "update"));
    std::optional<std::vector<spec::oci::DeviceRule>> devices;
    auto res = VS_TRY(update_resources(p, devices));
    VS_TRY(oci::update(opt, id, res, devices));
    return kOk;
}

Result<int> verb_events(const std::vector<std::string>& args, size_t at, const oci::Options& opt) {
    auto p = VS_TRY(parse(args, at, options_of("events")));
    auto id = VS_TRY(one_id(p, "events"));
    // --interval as runc takes it: "5s", "500ms", or seconds.
    std::string iv = p.get("interval", "5s");
    uint64_t ms = 0;
    if (iv.ends_with("ms")) {
        ms = str::parse_u64(iv.substr(0, iv.size() - 2)).value_or(0);
    } else {
        std::string n = iv.ends_with("s") ? iv.substr(0, iv.size() - 1) : iv;
        ms = str::parse_u64(n).value_or(0) * 1000;
    }
    if (ms == 0) return make_error(EINVAL, "--interval \"{}\": use e.g. 5s or 500ms", iv);
    if (p.flag("stats")) {
        fmt::print("{}\n", VS_TRY(oci::stats_event(opt, id)));
        return kOk;
    }
    // A stats event every interval and the OOM kills as they happen, until the container stops.
    VS_TRY(oci::events(opt, id, std::min<uint64_t>(ms, 3600000), [](const std::string& e) {
        fmt::print("{}\n", e);
        std::fflush(stdout);
    }));
    return kOk;
}

Result<int> verb_spec(const std::vector<std::string>& args, size_t at, const oci::Options&) {
    auto p = VS_TRY(parse(args, at, options_of("spec")));
    std::string path = p.get("bundle", ".") + "/config.json";
    // runc refuses to overwrite a config.json; so do we (O_EXCL).
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return errno_error(fmt::format("write \"{}\"", path));
    UniqueFd f(fd);
    VS_TRY(sys::write_all(fd, config::oci::default_spec_json(p.flag("rootless")), path));
    return kOk;
}

}  // namespace vs::cli::vsrun
