// Registry rows for apps/init/*: init style, runlevels, mark, killseq, commands, environment.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"

namespace vs::config::vserver::rows {

namespace {

const char* style_name(spec::InitStyle s) {
    switch (s) {
        case spec::InitStyle::Plain: return "plain";
        case spec::InitStyle::Sysv: return "sysv";
        case spec::InitStyle::Reaper: return "reaper";
    }
    return "plain";
}

}  // namespace

void add_init(std::vector<Key>& out) {
    out.push_back({"apps/init/style", FileKind::Scalar, "plain|sysv|reaper",
        [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
            auto v = str::lower(scalar(f.text));
            if (v == "plain") s.init.style = spec::InitStyle::Plain;
            else if (v == "sysv") s.init.style = spec::InitStyle::Sysv;
            else if (v == "reaper" || v == "none") s.init.style = spec::InitStyle::Reaper;
            else if (v == "minit" || v == "gentoo" || v == "openrc" || v == "arch")
                return make_error(EINVAL,
                    "init style \"{}\" is not supported: use plain (the guest's own /sbin/init) "
                    "or reaper with apps/init/cmd.start", v);
            else
                return make_error(EINVAL, "unknown init style \"{}\" (plain, sysv, reaper)", v);
            return ok();
        },
        [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
            if (s.init.style != spec::InitStyle::Plain)
                line(o, "apps/init/style", style_name(s.init.style));
        },
        "plain: the guest's /sbin/init is PID 1 (default); sysv: our reaper is PID 1 and runs "
        "/etc/init.d/rc <runlevel>; reaper: our reaper is PID 1 and runs apps/init/cmd.start "
        "(or just reaps)"});
}

}  // namespace vs::config::vserver::rows
