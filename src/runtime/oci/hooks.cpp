// OCI hook runner.
#include "runtime/oci/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/unique_fd.hpp"
#include "proc/fds.hpp"
#include "proc/init_protocol.hpp"
#include "proc/sealed_exec.hpp"

namespace vs::runtime::oci {

namespace {

Status run_one(const spec::oci::Hook& h, const std::string& what, const std::string& state) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return errno_error(fmt::format("{}: pipe", what));
    UniqueFd rd(p[0]), wr(p[1]);
    std::vector<std::string> argv = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
    auto cargv = proc::c_strings(argv);
    auto cenv = proc::c_strings(h.env);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error(fmt::format("{}: fork", what));
    if (pid == 0) {
        // Its own process group, so a timeout kills what it started too.
        ::setpgid(0, 0);
        if (::dup2(rd.get(), 0) < 0) ::_exit(126);
        if (!proc::close_fds_except({})) ::_exit(126);
        ::execve(h.path.c_str(), cargv.data(), cenv.data());
        ::_exit(errno == ENOENT ? 127 : 126);
    }
    rd.reset();
    int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    UniqueFd pidfd(pfd);
    // A hook that does not read its stdin must not block us: the state is small (one pipe
    // buffer), and a closed reader (EPIPE) is ignored.
    ::signal(SIGPIPE, SIG_IGN);
    (void)!::write(wr.get(), state.data(), state.size());
    wr.reset();
    bool timed_out = false;
    if (pfd >= 0) {
        struct pollfd w {
            pfd, POLLIN, 0
        };
        int ms = h.timeout_s ? *h.timeout_s * 1000 : -1;
        int r;
        while ((r = ::poll(&w, 1, ms)) < 0 && errno == EINTR) {
        }
        if (r == 0) {
            timed_out = true;
            ::kill(-pid, SIGKILL);
            ::kill(pid, SIGKILL);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return errno_error(fmt::format("{}: wait", what));
    if (timed_out)
        return make_error(ETIMEDOUT, "{} \"{}\" did not finish within its timeout of {} s", what,
                          h.path, *h.timeout_s);
    if (WIFSIGNALED(status))
        return make_error(ECANCELED, "{} \"{}\" was killed by signal {}", what, h.path,
                          WTERMSIG(status));
    if (WEXITSTATUS(status) == 127 && ::access(h.path.c_str(), X_OK) < 0)
        return errno_error(fmt::format("{} \"{}\"", what, h.path));
    if (WEXITSTATUS(status) != 0)
        return make_error(ECANCELED, "{} \"{}\" exited with status {}", what, h.path,
                          WEXITSTATUS(status));
    return ok();
}

}  // namespace

Status run_hooks(const std::vector<spec::oci::Hook>& hooks, const char* phase,
                 const std::string& state) {
    for (size_t i = 0; i < hooks.size(); ++i)
        VS_TRY(run_one(hooks[i], fmt::format("hooks.{}[{}]", phase, i), state));
    return ok();
}

Result<std::string> pack_hooks(const std::vector<spec::oci::Hook>& hooks,
                               const std::string& state) {
    namespace wire = proc::init_protocol;
    auto add = [](std::string& out, const void* p, size_t n) {
        out.append(static_cast<const char*>(p), n);
    };
    wire::HooksHeader h{wire::kHooksMagic, wire::kHooksVersion, static_cast<uint32_t>(hooks.size()),
                        static_cast<uint32_t>(state.size())};
    std::string out;
    add(out, &h, sizeof h);
    out.append(state.c_str(), state.size() + 1);
    size_t strings = 0;
    for (const auto& k : hooks) {
        wire::HookHeader hh{static_cast<uint32_t>(k.timeout_s.value_or(0)),
                            static_cast<uint32_t>(k.args.size()),
                            static_cast<uint32_t>(k.env.size()), 0};
        add(out, &hh, sizeof hh);
        out.append(k.path.c_str(), k.path.size() + 1);
        for (const auto* list : {&k.args, &k.env})
            for (const auto& a : *list) out.append(a.c_str(), a.size() + 1);
        // vs-init's pointer table holds argv and envp of one hook at a time, each NULL-ended.
        strings = std::max(strings, std::max<size_t>(k.args.size(), 1) + k.env.size() + 2);
    }
    if (out.size() > wire::kMaxHooks || strings > wire::kMaxHookStrings)
        return make_error(E2BIG,
                          "hooks.startContainer with the state: {} bytes and {} strings, more "
                          "than vs-init takes ({} bytes, {} strings per hook)",
                          out.size(), strings, wire::kMaxHooks, wire::kMaxHookStrings);
    return out;
}

std::vector<std::string> hooks_to_json(const std::vector<spec::oci::Hook>& hooks) {
    std::vector<std::string> out;
    for (const auto& h : hooks) {
        nlohmann::json j = {{"path", h.path}, {"args", h.args}, {"env", h.env}};
        if (h.timeout_s) j["timeout"] = *h.timeout_s;
        out.push_back(j.dump());
    }
    return out;
}

std::vector<spec::oci::Hook> hooks_from_json(const std::vector<std::string>& texts) {
    std::vector<spec::oci::Hook> out;
    for (const auto& t : texts) {
        auto j = nlohmann::json::parse(t, nullptr, false);
        if (!j.is_object()) continue;
        spec::oci::Hook h;
        h.path = j.value("path", "");
        h.args = j.value("args", std::vector<std::string>{});
        h.env = j.value("env", std::vector<std::string>{});
        if (j.contains("timeout")) h.timeout_s = j.value("timeout", 0);
        if (!h.path.empty()) out.push_back(std::move(h));
    }
    return out;
}

}  // namespace vs::runtime::oci
