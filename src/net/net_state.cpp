// NetState text format: one "key value..." line per fact, replaced atomically (tmp + rename).
#include "net/net_state.hpp"

#include <cerrno>
#include <sstream>

#include "base/sys.hpp"

namespace vs::net {

std::string NetState::serialize() const {
    std::string s = fmt::format("init {} {}\nnetns {}\n", init.pid, init.start_time, netns ? 1 : 0);
    if (!cgroup2.empty()) s += fmt::format("cgroup2 {}\n", cgroup2);
    if (bpf) s += "bpf 1\n";
    for (const auto& l : host_links) s += fmt::format("host_link {}\n", l);
    for (const auto& a : host_addrs)
        s += fmt::format("host_addr {} {}\n", a.dev, a.addr.to_string());
    for (const auto& r : host_routes)
        s += fmt::format("host_route {} {}\n", r.dev, r.dst.to_string());
    return s;
}

Result<NetState> NetState::parse(const std::string& text) {
    NetState st;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) continue;
        std::istringstream ls(line);
        std::string key, a, b;
        ls >> key >> a >> b;
        auto bad = [&] { return make_error(EINVAL, "net.state line {}: \"{}\"", n, line); };
        if (key == "init") {
            st.init.pid = std::atoi(a.c_str());
            st.init.start_time = std::strtoull(b.c_str(), nullptr, 10);
        } else if (key == "netns") {
            st.netns = a == "1";
        } else if (key == "cgroup2") {
            st.cgroup2 = line.substr(8);
        } else if (key == "bpf") {
            st.bpf = a == "1";
        } else if (key == "host_link") {
            if (a.empty()) return bad();
            st.host_links.push_back(a);
        } else if (key == "host_addr") {
            auto p = parse_prefix(b);
            if (!p || a.empty()) return bad();
            st.host_addrs.push_back({a, *p});
        } else if (key == "host_route") {
            auto p = parse_prefix(b);
            if (!p || a.empty()) return bad();
            st.host_routes.push_back({a, *p});
        } else {
            return bad();
        }
    }
    return st;
}

std::string net_state_path(const std::string& run_dir) { return run_dir + "/net.state"; }

Result<NetState> load_net_state(const std::string& run_dir) {
    std::string p = net_state_path(run_dir);
    if (run_dir.empty() || !sys::exists(p)) return NetState{};
    return NetState::parse(VS_TRY(sys::read_file(p)));
}

Status save_net_state(const std::string& run_dir, const NetState& st) {
    if (run_dir.empty()) return ok();
    VS_TRY(sys::mkdir_p(run_dir, 0755));
    return sys::write_file_replace(net_state_path(run_dir), st.serialize(), 0644);
}

Status remove_net_state(const std::string& run_dir) {
    if (run_dir.empty()) return ok();
    return sys::remove_if_exists(net_state_path(run_dir));
}

}  // namespace vs::net
