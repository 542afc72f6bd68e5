// Registry rows for apps/init/*: style, mark, runlevels, killseq, cmd.*, depends, environment.
#include <cerrno>
#include <csignal>
#include <cstring>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"
#include "spec/init_style.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver::rows {

namespace {

// A signal by number (1..64) or name (TERM, SIGTERM, case-insensitive).
Result<int> parse_signal(const std::string& w) {
    if (auto n = str::parse_u64(w)) {
        if (*n >= 1 && *n <= 64) return static_cast<int>(*n);
        return make_error(EINVAL, "invalid signal {}", str::quote(w));
    }
    std::string up = str::upper(w);
    if (str::starts_with(up, "SIG")) up.erase(0, 3);
    for (int s = 1; s < NSIG; ++s) {
        const char* abbrev = sigabbrev_np(s);
        if (abbrev && up == abbrev) return s;
    }
    return make_error(EINVAL, "invalid signal {}", str::quote(w));
}

std::string killseq_text(const std::vector<spec::KillStep>& seq) {
    std::vector<std::string> w;
    for (size_t i = 0; i < seq.size(); ++i) {
        w.push_back(std::to_string(seq[i].signal));
        if (i + 1 < seq.size()) w.push_back(std::to_string(seq[i].wait_s));
    }
    return str::join(w, " ") + "\n";
}

bool same_killseq(const std::vector<spec::KillStep>& a, const std::vector<spec::KillStep>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].signal != b[i].signal || a[i].wait_s != b[i].wait_s) return false;
    return true;
}

using ArgvField = std::vector<std::string> spec::Init::*;

Key argv_row(const std::string& file, ArgvField field, std::string doc) {
    return {"apps/init/" + file,
            FileKind::List,
            "argv, one element per line",
            [field](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                auto v = argv_lines(f.text);
                if (v.empty())
                    return make_error(EINVAL, "empty command {}", str::quote(scalar(f.text)));
                // A line's one trailing CR is its CRLF ending; a second one would be part of the
                // argument, which the file cannot hold once written back with LF endings.
                for (const auto& a : v)
                    if (a.back() == '\r')
                        return make_error(EINVAL,
                                          "command argument {} ends in a carriage return, which "
                                          "this file cannot hold",
                                          str::quote(a));
                s.init.*field = std::move(v);
                return ok();
            },
            [field, file](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                if (!(s.init.*field).empty())
                    text(o, "apps/init/" + file, one_per_line(s.init.*field));
            },
            std::move(doc)};
}

}  // namespace

void add_init(std::vector<Key>& out) {
    out.push_back(
        {"apps/init/style", FileKind::Scalar, spec::kInitStyleSyntax,
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.init.style = VS_TRY(spec::init_style_from_name(str::lower(scalar(f.text))));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.init.style != spec::InitStyle::Plain)
                 line(o, "apps/init/style", spec::init_style_name(s.init.style));
         },
         "plain: the guest's /sbin/init is PID 1 (default); systemd: the guest's systemd is PID 1 "
         "with a delegated cgroup (userns only); sysv: our reaper is PID 1 and runs "
         "/etc/init.d/rc <runlevel>, whose output `start` shows and waits for; reaper: our reaper "
         "is PID 1 and runs apps/init/cmd.start (or just reaps)"});

    out.push_back({"apps/init/mark", FileKind::Scalar, "word",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       auto v = scalar(f.text);
                       if (v.find_first_of(" \t/") != std::string::npos)
                           return make_error(EINVAL, "invalid mark {}: one word expected",
                                             str::quote(v));
                       s.init.mark = v;
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (!s.init.mark.empty()) line(o, "apps/init/mark", s.init.mark);
                   },
                   "autostart group: `vserver-autostart start MARK` (vservers-default, its units) "
                   "starts every guest "
                   "with this mark, ordered by apps/init/depends"});

    auto runlevel_parser = [](std::string spec::Init::*field) {
        return [field](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
            auto v = VS_TRY(required_scalar(f.text, "a runlevel"));
            if (v.size() > 8 || v.find_first_of(" \t/") != std::string::npos)
                return make_error(EINVAL, "invalid runlevel {}", str::quote(v));
            s.init.*field = v;
            return ok();
        };
    };
    out.push_back({"apps/init/runlevel", FileKind::Scalar, "runlevel",
                   runlevel_parser(&spec::Init::runlevel_start),
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.init.runlevel_start != "3")
                           line(o, "apps/init/runlevel", s.init.runlevel_start);
                   },
                   "runlevel for style sysv at start (default 3): `/etc/init.d/rc <runlevel>`"});
    out.push_back(
        {"apps/init/runlevel.start", FileKind::Scalar, "runlevel",
         runlevel_parser(&spec::Init::runlevel_start), write_nothing,
         "same as apps/init/runlevel (read after it, so it wins); written back as runlevel"});
    out.push_back({"apps/init/runlevel.stop", FileKind::Scalar, "runlevel",
                   runlevel_parser(&spec::Init::runlevel_stop),
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.init.runlevel_stop != "6")
                           line(o, "apps/init/runlevel.stop", s.init.runlevel_stop);
                   },
                   "runlevel for style sysv at stop (default 6), run before the kill sequence"});

    out.push_back(
        {"apps/init/killseq", FileKind::List, "SIGNAL [WAIT SIGNAL]...",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             std::vector<std::string> w;
             for (const auto& l : list_lines(f.text))
                 for (auto& x : str::split_ws(l)) w.push_back(x);
             if (w.empty() || w.size() % 2 == 0)
                 return make_error(EINVAL,
                                   "invalid kill sequence {}: expected SIGNAL "
                                   "[WAIT SIGNAL]...",
                                   str::quote(str::join(w, " ")));
             std::vector<spec::KillStep> seq;
             for (size_t i = 0; i < w.size(); i += 2) {
                 spec::KillStep k;
                 k.signal = VS_TRY(parse_signal(w[i]));
                 if (i + 1 < w.size())
                     k.wait_s = static_cast<int>(VS_TRY(parse_int(w[i + 1], 0, 3600, "wait")));
                 seq.push_back(k);
             }
             s.init.killseq = std::move(seq);
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (!same_killseq(s.init.killseq, spec::Init{}.killseq))
                 text(o, "apps/init/killseq", killseq_text(s.init.killseq));
         },
         "stop sequence: send SIGNAL to every guest process, wait up to WAIT seconds for the "
         "guest to empty, next; default `15 5 9`; stop always ends with SIGKILL of what is left"});

    out.push_back(
        {"apps/init/timeout", FileKind::Scalar, "seconds 0..86400, or none",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             auto v = str::lower(scalar(f.text));
             if (v == "none" || v == "infinity") {
                 s.init.timeout_s = 0;
                 return ok();
             }
             s.init.timeout_s = static_cast<int>(VS_TRY(parse_int(v, 0, 86400, "timeout")));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.init.timeout_s != spec::Init{}.timeout_s)
                 line(o, "apps/init/timeout", std::to_string(s.init.timeout_s));
         },
         "bound on each command run for start or stop (hook scripts, cmd.prepare, the sysv rc, "
         "cmd.start-sync, cmd.stop, cmd.stop-sync); default 90 (systemd's TimeoutStartSec/"
         "TimeoutStopSec); 0 or `none`: wait forever. Past it the command is killed: `start` "
         "fails and rolls the guest back, `stop` goes on to the kill sequence"});

    out.push_back(argv_row(
        "cmd.start", &spec::Init::cmd_start,
        "command run as the guest's init (style plain: instead of /sbin/init; sysv: instead of "
        "/etc/init.d/rc; reaper: run under the reaper)"));
    out.push_back(argv_row("cmd.stop", &spec::Init::cmd_stop,
                           "command run inside the guest at stop, before the kill sequence"));
    out.push_back(
        argv_row("cmd.prepare", &spec::Init::cmd_prepare,
                 "command run inside the guest, confined as the guest, after its mounts and before "
                 "its init starts; a non-zero exit fails the start"));
    out.push_back(
        argv_row("cmd.start-sync", &spec::Init::cmd_start_sync,
                 "command run inside the guest after its init started; `start` waits for "
                 "it (e.g. until the init reached its runlevel); a failure is a warning"));
    out.push_back(argv_row("cmd.stop-sync", &spec::Init::cmd_stop_sync,
                           "command run inside the guest after cmd.stop (or the stop runlevel) and "
                           "before the kill sequence; `stop` waits for it"));
    out.push_back(
        {"apps/init/mtab", FileKind::Data, "mtab lines",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.init.mtab = f.text;
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (s.init.mtab) text(o, "apps/init/mtab", *s.init.mtab);
         },
         "written as the guest's /etc/mtab (a regular file, replacing a symlink) at every "
         "start, before cmd.prepare"});

    out.push_back({"apps/init/depends", FileKind::List, "guest names",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       auto v = list_lines(f.text);
                       for (const auto& n : v) VS_TRY(spec::validate_name(n));
                       s.init.depends = std::move(v);
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (!s.init.depends.empty())
                           text(o, "apps/init/depends", one_per_line(s.init.depends));
                   },
                   "guests started before this one by vserver-autostart (and stopped after it)"});

    out.push_back({"apps/init/environment", FileKind::Hash, "VAR=VALUE lines",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       std::vector<std::string> env;
                       for (const auto& l : list_lines(f.text)) {
                           auto eq = l.find('=');
                           if (eq == std::string::npos || eq == 0)
                               return make_error(EINVAL,
                                                 "invalid environment entry {}: VAR=VALUE "
                                                 "expected",
                                                 str::quote(l));
                           env.push_back(l);
                       }
                       s.init.environment = std::move(env);
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.init.environment != spec::Init{}.environment)
                           text(o, "apps/init/environment", one_per_line(s.init.environment));
                   },
                   "the complete environment of the init command (replaces the default "
                   "PATH=/bin:/usr/bin:/sbin:/usr/sbin)"});

    out.push_back({"apps/init/console", FileKind::Scalar, "on or off",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       s.init.console = VS_TRY(parse_bool(scalar(f.text)));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.init.console)
                           line(o, "apps/init/console", *s.init.console ? "on" : "off");
                   },
                   "the guest's /dev/console is a pty that the host's vs-consoled reads (logged "
                   "to /var/log/vservers/NAME/console.log; `vserver NAME console` attaches); "
                   "default on for style systemd, off for the others (no /dev/console)"});
    out.push_back({"apps/init/ttys", FileKind::Scalar, "0..16",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       s.init.ttys =
                           static_cast<int>(VS_TRY(parse_int(scalar(f.text), 0, 16, "ttys")));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.init.ttys) line(o, "apps/init/ttys", std::to_string(s.init.ttys));
                   },
                   "N more ptys held by vs-consoled beside the console, /dev/pts/1..N in the "
                   "guest, named in the init's $container_ttys (systemd starts a getty on each); "
                   "`vserver NAME console --tty N` attaches; needs apps/init/console; default 0"});
}

}  // namespace vs::config::vserver::rows
