// Process -> JSON for vps --json.
#include "procview/proc_json.hpp"

#include <string>

namespace vs::procview {

nlohmann::json proc_json(const Proc& p, const Guest* g, const Clock& c, UserNames& users) {
    nlohmann::json j;
    j["pid"] = p.stat.pid;
    j["ppid"] = p.stat.ppid;
    j["xid"] = g ? (g->xid ? nlohmann::json(*g->xid) : nlohmann::json(nullptr)) : nlohmann::json(0);
    j["guest"] = g ? nlohmann::json(g->name) : nlohmann::json(nullptr);
    j["context"] = context_label(g);
    j["uid"] = p.uid;
    j["user"] = users.name(p.uid);
    j["state"] = std::string(1, p.stat.state);
    j["comm"] = p.stat.comm;
    j["cmdline"] = p.cmdline;
    j["threads"] = p.stat.threads;
    j["nice"] = p.stat.nice;
    j["vsz_bytes"] = p.stat.vsize_bytes;
    j["rss_bytes"] = p.stat.rss_pages * static_cast<uint64_t>(c.page);
    j["cpu_user_ms"] = c.ticks_to_ms(p.stat.utime_ticks);
    j["cpu_system_ms"] = c.ticks_to_ms(p.stat.stime_ticks);
    j["start_unix"] = static_cast<int64_t>(c.boot_unix + c.ticks_to_s(p.stat.start_ticks));
    j["kernel_thread"] = p.kernel_thread;
    return j;
}

}  // namespace vs::procview
