// receive(): the far side of a remote copy, a staged root and config committed on command.
#include "transfer/receive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/read_line.hpp"
#include "base/scope_exit.hpp"
#include "base/sys.hpp"
#include "config/vserver/tree.hpp"
#include "fs/remove.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"
#include "store/btrfs.hpp"
#include "store/guest_root.hpp"
#include "store/link_farm.hpp"
#include "transfer/copy.hpp"
#include "transfer/host_names.hpp"
#include "transfer/new_guest.hpp"
#include "transfer/progress.hpp"
#include "transfer/remote_io.hpp"

namespace vs::transfer {

namespace cv = config::vserver;

namespace {

class Channel {
public:
    Channel(int in, int out) : in_(in), out_(out) {}

    // The next command; EOF or a read error (the source went away) is an empty optional.
    std::optional<std::string> next() {
        auto line = sys::read_line(in_, buf_, "the session's stdin");
        if (!line) return std::nullopt;
        return std::move(*line);
    }
    void say(const std::string& line) {
        std::string l = line + "\n";
        (void)sys::write_all(out_, l, "the session's stdout");
    }
    void ok(const nlohmann::json& j) {
        say("ok " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    void fail(const Error& e) {
        std::string m = e.what();
        for (auto& c : m)
            if (c == '\n') c = ' ';
        say(fmt::format("error {} {}", e.code, m));
    }

private:
    int in_, out_;
    std::string buf_;
};

}  // namespace

Status receive(const config::Paths& paths, const std::string& name, const ReceiveOptions& opt,
               const ReceiveHooks& hooks, int in_fd, int out_fd) {
    // The source gone away is EOF on stdin, and an EPIPE when answering: never a signal that
    // would leave the stage behind.
    IgnoreSigpipe no_sigpipe;
    Channel ch(in_fd, out_fd);
    auto setup_fail = [&](Error e) -> Status {
        ch.fail(e);
        return e;
    };
    if (auto v = spec::validate_name(name); !v) return setup_fail(v.error());
    std::optional<state::GuestLock> lock;
    std::string basis;
    if (!opt.rootdir.empty() && (opt.refresh || opt.rootdir[0] != '/'))
        return setup_fail(Error(EINVAL, fmt::format("--rootdir \"{}\": {}", opt.rootdir,
                                                    opt.refresh ? "a refresh keeps the root "
                                                                  "where it is"
                                                                : "not an absolute path")));
    const std::string root = opt.rootdir.empty() ? "" : opt.rootdir + "/" + name;
    if (opt.refresh) {
        if (!sys::is_dir(paths.guest_config(name)))
            return setup_fail(Error(ENOENT, fmt::format("--refresh: guest {} does not exist here "
                                                        "(no config dir \"{}\")",
                                                        name, paths.guest_config(name))));
        auto l = state::GuestLock::acquire(paths.guest_run(name));
        if (!l) return setup_fail(l.error());
        lock.emplace(std::move(*l));
        auto running = guest_running(paths, name);
        if (!running) return setup_fail(running.error());
        if (*running)
            return setup_fail(Error(EBUSY, fmt::format("--refresh: guest {} runs here; stop it "
                                                       "first",
                                                       name)));
        auto loaded = cv::load(paths, name);
        if (!loaded) return setup_fail(loaded.error());
        // A refresh exchanges the root with its stage by rename, which a mount point refuses.
        if (loaded->spec.layered)
            return setup_fail(Error(EBUSY, fmt::format("--refresh: guest {} here has a layered "
                                                       "root (an overlay mount), which a refresh "
                                                       "cannot replace; delete it first",
                                                       name)));
        basis = loaded->spec.root;
    } else if (auto f = check_name_free(paths, name, root); !f) {
        return setup_fail(f.error());
    }
    if (!opt.domain.empty())
        if (auto d = validate_domain(opt.domain); !d) return setup_fail(d.error());
    // A refreshed root is exchanged with the old one: its stage goes beside it, and rsync
    // updates the stage in place, so a failure at any step leaves the old root as it was.
    // A root that is a btrfs subvolume is staged as a writable snapshot of it (changed files
    // replaced, the rest shared extents). Otherwise the stage is a hard-link farm of it
    // (store/link_farm.hpp): rsync's own --link-dest costs it several times a plain rsync's
    // scan (each basis path is opened component by component), a farm about one.
    const bool snap = opt.refresh && store::btrfs::is_subvolume(basis).value_or(false);
    auto stage_r = GuestStage::create(paths, name, !snap, opt.refresh ? basis : root);
    if (!stage_r) return setup_fail(stage_r.error());
    GuestStage stage = std::move(*stage_r);
    if (snap) {
        auto made = store::btrfs::snapshot_subvolume(basis, stage.root(), false);
        if (made) made = store::mark_building(stage.root());
        if (!made) return setup_fail(made.error());
    }
    // The farm's undo record, applied (the old root's linked files get back the owner, mode
    // and xattrs rsync may have changed in place) unless the refresh commits. A SIGKILL leaves
    // it to the next command on the guest (store::sweep_leftovers).
    std::string undo;
    ScopeExit roll_back([&] {
        if (undo.empty()) return;
        if (auto r = store::apply_refresh_undo(undo); !r)
            log::warn("receive {}: rolling the refresh back: {}", name, r.error().what());
    });
    if (opt.refresh && !snap) {
        undo = store::refresh_undo_path(basis.substr(0, basis.rfind('/')), name, ::getpid());
        auto farm = store::build_link_farm(basis, stage.root(), undo);
        if (!farm) return setup_fail(farm.error().wrap(fmt::format("--refresh of {}", name)));
    }
    std::string cfg_tmp;
    if (!opt.refresh) {
        if (auto r = sys::mkdir_p(paths.config_dir, 0755); !r) return setup_fail(r.error());
        cfg_tmp = fmt::format("{}/.{}.tmp.{}.receive", paths.config_dir, name, ::getpid());
        if (::mkdir(cfg_tmp.c_str(), 0700) < 0)
            return setup_fail(Error(errno, fmt::format("mkdir \"{}\"", cfg_tmp)));
    }
    ScopeExit drop_tmp([&] {
        if (cfg_tmp.empty()) return;
        if (auto r = fs::remove_path(cfg_tmp); !r) log::warn("{}", r.error().what());
    });
    // The stage holds the old root's files already: rsync gets no --link-dest basis.
    ch.say("ready " +
           nlohmann::json({{"root_stage", stage.root()}, {"config_stage", cfg_tmp}}).dump());

    // The sent config, loaded through the key registry and given its identity here.
    auto prepare = [&]() -> Result<std::pair<spec::GuestSpec, std::vector<std::string>>> {
        auto base = VS_TRY(cv::base_spec(paths, name));
        auto loaded = VS_TRY(cv::load_dir(cfg_tmp, base).wrap("the sent config"));
        spec::GuestSpec s = std::move(loaded.spec);
        Identity id{name, opt.from, opt.interfaces};
        VS_TRY(rewrite_identity(paths, s, id));
        if (!root.empty()) s.root = root;
        // A copy (not a migration) joins no autostart group, as a local copy (copy.cpp).
        if (opt.interfaces) s.init.mark.clear();
        if (!opt.domain.empty()) VS_TRY(first_address(s.interfaces));
        return std::make_pair(std::move(s), std::move(loaded.unknown));
    };
    // --domain: the staged root's /etc/hostname and /etc/hosts name the guest and its address.
    auto host_names = [&](const spec::GuestSpec& s) -> Status {
        if (opt.domain.empty()) return ok();
        auto address = VS_TRY(first_address(s.interfaces));
        return write_host_names(stage.root(), name, opt.domain, address);
    };
    std::optional<spec::GuestSpec> committed;
    while (auto cmd = ch.next()) {
        if (*cmd == "check" && !opt.refresh) {
            auto p = prepare();
            if (!p) {
                ch.fail(p.error());
                continue;
            }
            ch.ok({{"context", p->first.context.value_or(0)}, {"dropped", p->second}});
        } else if (*cmd == "commit" && !committed && !opt.refresh) {
            auto p = prepare();
            if (!p) {
                ch.fail(p.error());
                continue;
            }
            for (auto& u : p->second)
                log::warn("receive {}: config file \"{}\" is no known key; left out", name, u);
            if (auto h = host_names(p->first); !h) {
                ch.fail(h.error());
                continue;
            }
            // Written before registered: the source may be marked migrated or deleted next.
            const int64_t sync_at = monotonic_ns();
            if (auto c = stage.sync(); !c) {
                ch.fail(c.error());
                continue;
            }
            if (auto c = stage.commit(paths, p->first, cfg_tmp); !c) {
                ch.fail(c.error());
                continue;
            }
            committed = p->first;
            ch.ok({{"guest", name},
                   {"context", committed->context.value_or(0)},
                   {"root", committed->root},
                   {"config_dir", committed->config_dir},
                   {"dropped", p->second},
                   {"sync_s", double(monotonic_ns() - sync_at) / 1e9}});
        } else if (*cmd == "commit" && !committed && opt.refresh) {
            auto old = cv::load(paths, name);
            if (!old) {
                ch.fail(old.error());
                continue;
            }
            if (auto h = host_names(old->spec); !h) {
                ch.fail(h.error());
                continue;
            }
            if (auto w = stage.sync(); !w) {
                ch.fail(w.error());
                continue;
            }
            auto c = stage.exchange(name, basis);
            if (!c) {
                ch.fail(c.error());
                continue;
            }
            // Exchanged and on disk: the record no longer applies (the root is the stage).
            if (!undo.empty()) {
                if (auto d = store::drop_refresh_undo(undo); !d) log::warn("{}", d.error().what());
                undo.clear();
                // The old farm is only names of inodes the new root mostly shares: unlinking
                // them costs about what rsync's scan does, and nobody needs to wait for it.
                (void)stage.remove_in_background(name);
            }
            auto loaded = cv::load(paths, name);
            if (!loaded) {
                ch.fail(loaded.error());
                continue;
            }
            committed = loaded->spec;
            ch.ok({{"guest", name},
                   {"context", committed->context.value_or(0)},
                   {"root", committed->root},
                   {"config_dir", committed->config_dir},
                   {"dropped", nlohmann::json::array()}});
        } else if (*cmd == "start" && committed && !opt.refresh) {
            const int64_t start_at = monotonic_ns();
            if (auto s = hooks.start(*committed); !s) {
                // The source keeps running from its own side: nothing of the copy stays here.
                if (auto r = hooks.remove(*committed); !r)
                    log::warn("receive {}: remove after the failed start: {}", name,
                              r.error().what());
                ch.fail(s.error());
                committed.reset();
                break;
            }
            ch.ok({{"started", true}, {"start_s", double(monotonic_ns() - start_at) / 1e9}});
        } else if (*cmd == "sync" && !committed && !opt.refresh) {
            // A migration's live passes are done: their data goes to disk before the downtime.
            const int64_t sync_at = monotonic_ns();
            if (auto c = stage.sync(); !c) {
                ch.fail(c.error());
                continue;
            }
            ch.ok({{"sync_s", double(monotonic_ns() - sync_at) / 1e9}});
        } else if (*cmd == "done") {
            ch.ok({{"done", true}});
            return ok();
        } else {
            ch.fail(Error(EINVAL, fmt::format("unexpected command \"{}\"", *cmd)));
        }
    }
    // The source went away without "done". A migration's source then starts itself again (or
    // never learnt that this side runs it): a guest committed or started here must not stay.
    if (committed && !opt.interfaces && !opt.refresh) {
        log::warn(
            "receive {}: the source went away before the end of the migration; removing "
            "the guest here",
            name);
        if (auto r = hooks.remove(*committed); !r)
            log::warn("receive {}: remove: {}", name, r.error().what());
        return make_error(ECONNABORTED, "receive {}: the migration did not finish", name);
    }
    return ok();
}

}  // namespace vs::transfer
