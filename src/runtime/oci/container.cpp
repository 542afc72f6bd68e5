// state.json of an OCI container, its lock, and the status derived from the live system.
#include "runtime/oci/container.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "cgroup/manager.hpp"
#include "proc/proc_info.hpp"
#include "spec/capabilities.hpp"

namespace vs::runtime::oci {

const char* state_name(State s) {
    switch (s) {
        case State::Creating:
            return "creating";
        case State::Created:
            return "created";
        case State::Running:
            return "running";
        case State::Paused:
            return "paused";
        case State::Stopped:
            return "stopped";
    }
    return "unknown";
}

std::string record_to_json(const Record& r) {
    nlohmann::json j = {
        {"version", 1},
        {"id", r.id},
        {"bundle", r.bundle},
        {"rootfs", r.rootfs},
        {"created", r.created},
        {"owner", r.owner},
        {"pid", r.pid},
        {"start_time", r.start_time},
        {"started", r.started},
        {"annotations", r.annotations},
        {"cgroup_parent", r.cgroup_parent},
        {"cgroup_name", r.cgroup_name},
        {"cgroup_created", r.cgroup_created},
        {"ns_flags", r.ns_flags},
        {"poststart", r.poststart},
        {"poststop", r.poststop},
        {"start_hooks", r.start_hooks},
        {"device_nodes", r.device_nodes},
        {"socket_guard", r.socket_guard},
        {"socket_guard_id", r.socket_guard_id},
    };
    return j.dump(2) + "\n";
}

Result<Record> record_from_json(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error(EINVAL, "not a JSON object");
    Record r;
    const char* field = "";
    try {
        auto get = [&](const char* k, auto& out) {
            field = k;
            if (j.contains(k)) j.at(k).get_to(out);
        };
        get("id", r.id);
        get("bundle", r.bundle);
        get("rootfs", r.rootfs);
        get("created", r.created);
        get("owner", r.owner);
        get("pid", r.pid);
        get("start_time", r.start_time);
        get("started", r.started);
        get("annotations", r.annotations);
        get("cgroup_parent", r.cgroup_parent);
        get("cgroup_name", r.cgroup_name);
        get("cgroup_created", r.cgroup_created);
        get("ns_flags", r.ns_flags);
        get("poststart", r.poststart);
        get("poststop", r.poststop);
        get("start_hooks", r.start_hooks);
        get("device_nodes", r.device_nodes);
        get("socket_guard", r.socket_guard);
        get("socket_guard_id", r.socket_guard_id);
    } catch (const nlohmann::json::exception& e) {
        return make_error(EINVAL, "field \"{}\": {}", field, e.what());
    }
    if (r.id.empty()) return make_error(EINVAL, "field \"id\" is missing");
    return r;
}

Status check_id(const std::string& id) {
    bool good = !id.empty() && id.size() <= 1024 && id != "." && id != "..";
    for (char c : id)
        good = good && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '.');
    if (!good)
        return make_error(EINVAL,
                          "invalid container id \"{}\": use letters, digits, '_', '+', '-' and "
                          "'.' (not \".\" or \"..\")",
                          id);
    return ok();
}

std::string container_dir(const Options& opt, const std::string& id) { return opt.root + "/" + id; }

std::string fifo_path(const std::string& dir) { return dir + "/exec.fifo"; }

std::string seccomp_cache_dir(const Options& opt) { return opt.root + "/seccomp:cache"; }

std::string start_fifo_path(const std::string& dir) { return dir + "/start.fifo"; }

Result<Record> load(const std::string& dir, const std::string& id) {
    auto text = sys::read_file(dir + "/state.json");
    if (!text) {
        if (text.error().code == ENOENT)
            return make_error(ENOENT, "container \"{}\" does not exist", id);
        return std::move(text).error();
    }
    return record_from_json(*text).wrap("{}/state.json", dir);
}

void remove_dir(const std::string& dir) {
    for (const char* f : {"/state.json", "/exec.fifo", "/start.fifo", "/lock"})
        ::unlink((dir + f).c_str());
    ::rmdir(dir.c_str());
}

Result<caps::Sets> oci_cap_sets(const spec::oci::Process& pr, const std::vector<std::string>& extra,
                                const std::string& who) {
    caps::Sets s;
    if (pr.capabilities) {
        const auto& c = *pr.capabilities;
        s = {c.bounding, c.effective, c.permitted, c.inheritable, c.ambient};
    }
    for (const auto& c : extra) {
        auto n = spec::cap_from_name(c);
        if (!n) return make_error(EINVAL, "--cap \"{}\": unknown capability", c);
        const uint64_t bit = spec::cap_bit(*n);
        s.bounding |= bit;
        s.effective |= bit;
        s.permitted |= bit;
        if (s.inheritable & bit) s.ambient |= bit;
    }
    if (uint64_t out = s.ambient & ~(s.permitted & s.inheritable)) {
        log::warn(
            "{}: process.capabilities.ambient: {} not in both permitted and inheritable, left "
            "out of the ambient set",
            who, spec::cap_set_names(out));
        s.ambient &= ~out;
    }
    return s;
}

std::vector<RlimitSetting> rlimit_settings(const std::vector<spec::oci::ProcessRlimit>& rl) {
    std::vector<RlimitSetting> out;
    for (const auto& r : rl) {
        RlimitSetting s;
        s.resource = r.resource;
        s.name = r.type;
        s.value.rlim_cur = r.limit.soft.value_or(RLIM_INFINITY);
        s.value.rlim_max = r.limit.hard.value_or(RLIM_INFINITY);
        out.push_back(s);
    }
    return out;
}

Status save(const std::string& dir, const Record& r) {
    return sys::write_file_atomic(dir + "/state.json", record_to_json(r), 0600);
}

State state_of(const Record& r, const std::string& dir) {
    // (pid, start time) names one process for the life of the system: a pid recycled after
    // the init exited has another start time. A zombie init (its shim has not reaped it yet)
    // has exited: proc::start_time still reads it, so its state is checked too.
    if (r.pid <= 0) return State::Stopped;
    auto st = proc::start_time(r.pid);
    if (!st || *st != r.start_time) return State::Stopped;
    if (auto s = sys::read_file(fmt::format("/proc/{}/stat", r.pid))) {
        auto close = s->rfind(')');
        if (close != std::string::npos && close + 2 < s->size() &&
            ((*s)[close + 2] == 'Z' || (*s)[close + 2] == 'X'))
            return State::Stopped;
    }
    struct stat sb {};
    if (!r.started && ::lstat(fifo_path(dir).c_str(), &sb) == 0 && S_ISFIFO(sb.st_mode))
        return State::Created;
    if (r.cgroup_name.empty()) return State::Running;  // no cgroup to freeze (rootless)
    cgroup::Options co;
    co.parent = r.cgroup_parent;
    co.name = r.cgroup_name;
    if (auto cg = cgroup::open(co); cg && cgroup::is_frozen(**cg)) return State::Paused;
    return State::Running;
}

std::string state_json(const Record& r, State s, bool pretty) {
    nlohmann::json j = {
        {"ociVersion", kOciVersion},
        {"id", r.id},
        {"pid", s == State::Stopped ? 0 : r.pid},
        {"status", state_name(s)},
        {"bundle", r.bundle},
        {"rootfs", r.rootfs},
        {"created", r.created},
        {"owner", r.owner == 0 ? std::string() : std::to_string(r.owner)},
    };
    if (!r.annotations.empty()) j["annotations"] = r.annotations;
    return pretty ? j.dump(2) : j.dump();
}

Result<state::GuestLock> lock(const std::string& dir) { return state::GuestLock::acquire(dir); }

std::string rfc3339_now() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm {};
    ::gmtime_r(&ts.tv_sec, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:09}Z", buf, ts.tv_nsec);
}

Error no_cgroup(const std::string& verb, const std::string& id) {
    return make_error(EOPNOTSUPP,
                      "{} container {}: it has no cgroup of its own (rootless, and its user may "
                      "not write the cgroup linux.cgroupsPath names; delegate one to it)",
                      verb, id);
}

}  // namespace vs::runtime::oci
