// copy_remote(): the ssh session to the far side's receive, the rsync passes, the migration.
#include "transfer/remote_copy.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_signal.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/tree.hpp"
#include "fs/remove.hpp"
#include "fs/walk.hpp"
#include "spec/validate.hpp"
#include "store/layered_root.hpp"
#include "state/lock.hpp"
#include "store/btrfs.hpp"
#include "transfer/change_list.hpp"
#include "transfer/copy.hpp"
#include "transfer/progress.hpp"

namespace vs::transfer {

namespace cv = config::vserver;

namespace {

// A live pass is repeated while it still moved more than this and less than the one before:
// the final pass, made with the guest stopped, is the downtime.
constexpr uint64_t kSettledBytes = 1 << 20;
constexpr int kMaxLivePasses = 4;
// How long the guest keeps running while the final pass's rsync starts.
constexpr double kFinalRsyncReady_s = 10;

std::vector<std::string> split_words(const std::string& s) {
    std::vector<std::string> w;
    std::string cur;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            if (!cur.empty()) w.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) w.push_back(std::move(cur));
    return w;
}

// The far side's answer to a command: "ok {JSON}" or "error ERRNO MESSAGE".
Result<nlohmann::json> answer(LineChild& s, const std::string& host, const char* step) {
    auto line = s.read_line();
    if (!line)
        return make_error(EIO,
                          "{}: the ssh session to {} ended during {} (ssh's or the far "
                          "side's message is above)",
                          step, host, step);
    if (line->rfind("ok ", 0) == 0 || line->rfind("ready ", 0) == 0) {
        auto j = nlohmann::json::parse(line->substr(line->find(' ') + 1), nullptr, false);
        if (j.is_discarded())
            return make_error(EPROTO, "{}: {} answered \"{}\"", step, host, *line);
        return j;
    }
    if (line->rfind("error ", 0) == 0) {
        char* end = nullptr;
        long code = std::strtol(line->c_str() + 6, &end, 10);
        std::string msg = end && *end == ' ' ? std::string(end + 1) : line->substr(6);
        return make_error(code > 0 ? int(code) : EIO, "{} on {}: {}", step, host, msg);
    }
    return make_error(EPROTO, "{}: {} answered \"{}\" (is its vserver this version?)", step, host,
                      *line);
}

// The ssh control dirs ("/tmp/vserver-copy.PID.XXXXXX") of copies that were killed: removed
// when root's and their PID is gone. A name someone else made there (a symlink, another
// owner) is left alone.
void sweep_control_dirs() {
    auto dead = [](const fs::Entry& e) {
        constexpr std::string_view kPrefix = "vserver-copy.";
        std::string_view n = e.name;
        if (!e.is_dir() || e.stx.stx_uid != 0 || n.substr(0, kPrefix.size()) != kPrefix)
            return false;
        n.remove_prefix(kPrefix.size());
        auto dot = n.find('.');
        return dot != std::string_view::npos && sys::pid_gone(n.substr(0, dot));
    };
    // /tmp's own entries only: nothing below them is entered.
    fs::sweep(
        "/tmp", dead, [](const fs::Entry&) { return true; }, 1);
}

// syncfs(2) of the file system that holds `dir`.
Status sync_fs(const std::string& dir) {
    auto fd = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (::syncfs(fd.get()) < 0) return errno_error(fmt::format("syncfs \"{}\"", dir));
    return ok();
}

}  // namespace

Result<RemoteCopyResult> copy_remote(const config::Paths& paths, const std::string& src,
                                     const RemoteCopyOptions& opt, const MigrateHooks& hooks) {
    const int64_t t0 = monotonic_ns();
    VS_TRY(spec::validate_name(src));
    // A far side gone away is an EPIPE from write(2), answered like any error, not a signal.
    IgnoreSigpipe no_sigpipe;
    RemoteCopyResult res;
    res.source = src;
    res.host = opt.target.host;
    res.name = opt.target.name.empty() ? src : opt.target.name;
    VS_TRY(spec::validate_name(res.name).wrap("destination"));
    if (opt.refresh && opt.migrate)
        return make_error(EINVAL,
                          "copy {}: --refresh and --migrate exclude each other (a "
                          "migration repeats its live passes itself)",
                          src);
    if (opt.delete_source && !opt.migrate)
        return make_error(EINVAL, "copy {}: --delete-source needs --migrate", src);
    if (!sys::is_dir(paths.guest_config(src))) return config::legacy::missing_guest(paths, src);
    auto ssh_words = split_words(opt.ssh);
    if (ssh_words.empty()) return make_error(EINVAL, "copy {}: --ssh is empty", src);
    VS_TRY(find_program(ssh_words[0]).wrap("copy {}: ssh", src));
    VS_TRY(find_program("rsync").wrap("copy {}: rsync", src));

    const bool running = VS_TRY(guest_running(paths, src).wrap("copy {}", src));
    if (running && !opt.migrate)
        return make_error(EBUSY,
                          "copy {}: the guest is running; stop it first or move it with "
                          "--migrate",
                          src);
    // A stopped source stays locked throughout, so it cannot start meanwhile; a running one is
    // locked from its stop on (stop takes the lock itself).
    std::optional<state::GuestLock> lock;
    if (!running) lock.emplace(VS_TRY(state::GuestLock::acquire(paths.guest_run(src))));
    auto loaded = VS_TRY(cv::load(paths, src).wrap("copy {}", src));
    VS_TRY(store::ensure_root_mounted(loaded.spec, store::RootUse::Owners).wrap("copy {}", src));
    const std::string root = loaded.spec.root, cfg_dir = loaded.spec.config_dir;

    // One ssh connection for the session and every rsync (ControlMaster): one handshake, and
    // the final pass, inside the downtime, starts at once.
    sweep_control_dirs();
    std::string tmpl = fmt::format("/tmp/vserver-copy.{}.XXXXXX", ::getpid());
    if (!::mkdtemp(tmpl.data())) return errno_error(fmt::format("mkdtemp {}", tmpl));
    const std::string ctl_dir = tmpl;
    ScopeExit drop_ctl([&] { (void)fs::remove_path(ctl_dir); });
    ssh_words.insert(ssh_words.end(),
                     {"-o", "ControlMaster=auto", "-o", "ControlPath=" + ctl_dir + "/master"});
    const std::string rsh = str::join(ssh_words, " ");

    std::vector<std::string> remote = {opt.remote_vserver, res.name, "receive", "--from", src};
    if (opt.refresh) remote.push_back("--refresh");
    if (!opt.rootdir.empty()) remote.insert(remote.end(), {"--rootdir", opt.rootdir});
    if (!opt.domain.empty()) remote.insert(remote.end(), {"--domain", opt.domain});
    if (opt.migrate) {
        remote.push_back("--keep-ip");
    } else if (opt.no_ip || opt.ip_args.empty()) {
        remote.push_back("--no-ip");
    } else {
        for (auto& ip : opt.ip_args) remote.insert(remote.end(), {"--ip", ip});
    }
    std::string cmd;
    // Appended piece by piece: `"literal" + std::string` trips GCC 12's false -Wrestrict at -O3
    // (GCC bug 105329), an error under VS_WERROR.
    for (auto& w : remote) {
        if (!cmd.empty()) cmd += ' ';
        cmd += shell_quote(w);
    }
    auto argv = ssh_words;
    argv.insert(argv.end(), {"-T", opt.target.host, cmd});
    auto session = VS_TRY(LineChild::spawn(argv).wrap("copy {}", src));
    auto ready = VS_TRY(answer(session, res.host, "setup").wrap("copy {}", src));
    const std::string root_stage = ready.value("root_stage", "");
    const std::string cfg_stage = ready.value("config_stage", "");
    if (root_stage.empty())
        return make_error(EPROTO, "copy {}: {} named no staging root", src, res.host);

    const std::string host = opt.target.host;
    auto rsync_argv = [&](const std::string& from, const std::string& to, bool with_root_opts) {
        std::vector<std::string> a = {"rsync", "-aHAX", "--numeric-ids", "--delete", "--stats",
                                      "-e",    rsh};
        if (with_root_opts) {
            // Sparse files stay sparse, mount points below the root are not crossed, and the
            // root's own trusted.vserver-ng.* marks (build/delete bookkeeping) are neither sent
            // nor removed from the stage.
            a.insert(a.end(),
                     {"--sparse", "--one-file-system", "--filter=-x trusted.vserver-ng.*"});
        }
        a.push_back(from + "/");
        a.push_back(host + ":" + to + "/");
        return a;
    };

    if (!opt.refresh) {
        res.config = VS_TRY(run_rsync(rsync_argv(cfg_dir, cfg_stage, false), false, opt.verbose)
                                .wrap("copy {}: the config dir", src));
        VS_TRY(session.send("check"));
        auto chk = VS_TRY(answer(session, res.host, "check").wrap("copy {}", src));
        res.dropped = chk.value("dropped", std::vector<std::string>{});
    }

    // A live pass of a subvolume root reads a read-only snapshot of it (taken in the roots dir,
    // named like a build's stage so that a killed copy's is swept): the guest cannot change
    // that tree under rsync. Otherwise it reads the live tree, and the final pass compares
    // contents (below).
    const bool snapshots = running && store::btrfs::is_subvolume(root).value_or(false);
    bool read_live_tree = false;
    auto pass = [&](bool live, bool checksum) -> Status {
        std::string from = root, snap;
        ScopeExit drop_snap([&] {
            if (snap.empty()) return;
            if (auto r = store::btrfs::delete_subvolume(snap); !r)
                log::warn("{}", r.error().what());
        });
        if (live && snapshots) {
            const auto slash = root.rfind('/');
            const auto path =
                fmt::format("{}/.build-{}-{}", root.substr(0, slash), src, ::getpid());
            VS_TRY(store::btrfs::snapshot_subvolume(root, path, true).wrap("copy {}", src));
            from = snap = path;
        } else if (live) {
            read_live_tree = true;
        }
        auto a = rsync_argv(from, root_stage, true);
        if (checksum) a.insert(a.begin() + 1, "--checksum");
        if (opt.verbose)
            log::info("copy {}: {} pass {} of {} to {}:{}{}", src, live ? "live" : "final",
                      res.passes.size() + 1, from, host, root_stage,
                      checksum ? " (--checksum)" : "");
        auto st = VS_TRY(run_rsync(a, opt.progress, opt.verbose).wrap("copy {}: the root", src));
        res.passes.push_back({live, !snap.empty(), checksum, std::nullopt, st});
        return ok();
    };
    std::optional<int64_t> down_at;
    auto restart = [&](const Error& e) -> Error {
        lock.reset();
        if (auto s = hooks.start(); !s)
            log::error("copy {}: the source could not be started again: {}", src, s.error().what());
        else
            log::info("copy {}: started the source again", src);
        return e;
    };
    // The moment the final pass lists changes from, taken before the file system is synced
    // and the first live pass reads: a page of a shared mapping dirty then is written back
    // and write-protected by the sync, so writing it again sets the file's ctime.
    std::optional<ChangeEpoch> epoch;
    if (running) {
        epoch = ChangeEpoch::now();
        VS_TRY(sync_fs(root).wrap("copy {}", src));
        VS_TRY(pass(true, false));
        while (int(res.passes.size()) < kMaxLivePasses) {
            const auto& last = res.passes.back().stats;
            if (last.literal <= kSettledBytes) break;
            if (res.passes.size() > 1 &&
                last.literal >= res.passes[res.passes.size() - 2].stats.literal)
                break;
            VS_TRY(pass(true, false));
        }
        // Out of the downtime: the final pass's rsync is started, to make its ssh channel, the
        // far rsync and their handshake and wait for its list on stdin, while the far side
        // writes what the live passes sent to its disk (so that commit's syncfs finds little
        // left). An older far side refuses "sync": it is only an optimisation.
        auto final_argv = rsync_argv(root, root_stage, true);
        final_argv.insert(final_argv.begin() + 1,
                          {"--checksum", "-r", "--from0", "--files-from=-"});
        std::optional<RsyncRun> final_rsync =
            VS_TRY(RsyncRun::start(final_argv, opt.progress, opt.verbose).wrap("copy {}", src));
        VS_TRY(session.send("sync"));
        if (auto a = answer(session, res.host, "sync"); !a && a.error().code != EINVAL)
            return std::move(a).error().wrap(fmt::format("copy {}", src));
        // The guest is stopped once that rsync waits for its list (on a busy far host its
        // start alone takes a few tenths of a second); one that is not ready in time is fed
        // its list as soon as it is, or says why it ended.
        switch (final_rsync->wait_ready(kFinalRsyncReady_s)) {
            case RsyncRun::Readiness::Ready:
                break;
            case RsyncRun::Readiness::Late:
                log::debug("copy {}: the final pass's rsync is not ready; stopping anyway", src);
                break;
            case RsyncRun::Readiness::Ended: {
                // Failed before the stop: the guest keeps running here.
                auto r = final_rsync->finish("");
                return make_error(r ? EPROTO : r.error().code,
                                  "copy {}: the final pass's rsync: {}", src,
                                  r ? "ended before its list" : r.error().what());
            }
        }
        down_at = monotonic_ns();
        DowntimePhases ph;
        auto lap = [t = *down_at]() mutable {
            const int64_t now = monotonic_ns();
            const double s = double(now - t) / 1e9;
            t = now;
            return s;
        };
        VS_TRY(hooks.stop().wrap("copy {}: stop", src));
        ph.stop = lap();
        auto final_steps = [&]() -> Status {
            lock.emplace(VS_TRY(state::GuestLock::acquire(paths.guest_run(src))));
            // The final pass, with the guest stopped, sends what changed since the first live
            // pass began (ctime; a changed directory whole) and compares contents, not size
            // and mtime (which the guest can set back). A live pass of the live tree may have
            // read through a directory the guest swapped for a symlink: that directory's
            // rename changed it, so it is sent whole and what that pass sent is replaced.
            auto changes = changed_since(root, *epoch);
            ph.scan = lap();
            if (changes) {
                if (opt.verbose)
                    log::info("copy {}: final pass of {} to {}:{} (--checksum), {} changed entries",
                              src, root, host, root_stage, changes->count);
                auto st =
                    VS_TRY(final_rsync->finish(changes->entries).wrap("copy {}: the root", src));
                final_rsync.reset();
                res.passes.push_back({false, false, true, changes->count, st});
            } else {
                // Without a list (the clock stepped, the walk failed), the whole tree, compared
                // as before lists existed: contents when a live pass read the live tree.
                log::warn("copy {}: {}; comparing the whole tree", src, changes.error().what());
                final_rsync.reset();
                VS_TRY(pass(false, read_live_tree));
            }
            ph.final_pass = lap();
            VS_TRY(session.send("commit"));
            auto c = VS_TRY(answer(session, res.host, "commit"));
            res.context = c.value("context", 0u);
            res.root = c.value("root", "");
            res.config_dir = c.value("config_dir", "");
            ph.commit = lap();
            ph.far_sync = c.value("sync_s", 0.0);
            VS_TRY(session.send("start"));
            auto st = VS_TRY(answer(session, res.host, "start"));
            ph.start = lap();
            ph.far_start = st.value("start_s", 0.0);
            return ok();
        };
        if (auto f = final_steps(); !f) return restart(f.error().wrap(fmt::format("copy {}", src)));
        res.started = true;
        res.downtime_s = double(monotonic_ns() - *down_at) / 1e9;
        res.phases = ph;
    } else {
        VS_TRY(pass(false, false));
        VS_TRY(session.send("commit"));
        auto c = VS_TRY(answer(session, res.host, "commit").wrap("copy {}", src));
        res.context = c.value("context", 0u);
        res.root = c.value("root", "");
        res.config_dir = c.value("config_dir", "");
        if (opt.migrate && opt.start_stopped) {
            // A failed start there removes the copy there; the source stays as it was.
            VS_TRY(session.send("start"));
            VS_TRY(answer(session, res.host, "start").wrap("copy {}: start on {}", src, res.host));
            res.started = true;
        }
    }
    // "done": a migration's far side keeps what it committed only once the source knows it did
    // (receive removes it otherwise), so the source is marked only after the answer.
    auto done = [&]() -> Status {
        VS_TRY(session.send("done"));
        VS_TRY(answer(session, res.host, "done"));
        return ok();
    };
    if (auto d = done(); !d && opt.migrate) {
        auto e = d.error().wrap(fmt::format("copy {}", src));
        return running ? restart(e) : e;
    }
    if (int code = VS_TRY(session.finish()); code != 0)
        log::warn("copy {}: the session with {} ended with exit code {}", src, res.host, code);
    lock.reset();
    if (opt.migrate) {
        if (auto m = hooks.mark_migrated(); m)
            res.source_marked = true;
        else
            log::warn("copy {}: marking the source as migrated: {}", src, m.error().what());
        if (opt.delete_source) {
            VS_TRY(hooks.delete_source().wrap("copy {}: the copy runs on {}; deleting the source",
                                              src, res.host));
            res.source_deleted = true;
        }
    }
    res.seconds = double(monotonic_ns() - t0) / 1e9;
    return res;
}

}  // namespace vs::transfer
