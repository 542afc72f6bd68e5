// Init style -> PID 1 command.
#include "runtime/init_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdlib>

#include "base/sys.hpp"
#include "fs/resolve.hpp"

namespace vs::runtime {

bool exists_in_guest(const std::string& root, const std::string& path) {
    auto rootfd = sys::open(root, O_PATH | O_DIRECTORY);
    if (!rootfd) return false;
    std::string rel = path;
    while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
    auto fd = fs::open_in_root(rootfd->get(), rel, O_PATH);
    if (!fd) return false;
    struct stat st {};
    return ::fstat(fd->get(), &st) == 0 && !S_ISDIR(st.st_mode);
}

Result<InitCommand> init_command(const spec::GuestSpec& spec,
                                 const std::vector<std::string>& rescue) {
    InitCommand c;
    const auto& in = spec.init;
    auto need = [&](const std::string& prog, const char* what) -> Status {
        if (prog.empty() || prog[0] != '/')
            return make_error(EINVAL, "{} \"{}\" is not an absolute path", what, prog);
        if (!exists_in_guest(spec.root, prog))
            return make_error(ENOENT, "{} \"{}\" does not exist in the guest root \"{}\"", what,
                              prog, spec.root);
        return ok();
    };
    if (!rescue.empty()) {
        VS_TRY(need(rescue[0], "rescue command"));
        c.argv = rescue;
        return c;
    }
    switch (in.style) {
        case spec::InitStyle::Plain:
            c.argv = in.cmd_start.empty() ? std::vector<std::string>{"/sbin/init"} : in.cmd_start;
            VS_TRY(need(c.argv[0], in.cmd_start.empty() ? "init" : "apps/init/cmd.start"));
            return c;
        case spec::InitStyle::Sysv: {
            c.use_helper = true;
            c.argv = {"vs-init", "--"};
            if (!in.cmd_start.empty()) {
                VS_TRY(need(in.cmd_start[0], "apps/init/cmd.start"));
                c.argv.insert(c.argv.end(), in.cmd_start.begin(), in.cmd_start.end());
            } else if (exists_in_guest(spec.root, "/etc/init.d/rc")) {
                c.argv.insert(c.argv.end(), {"/etc/init.d/rc", in.runlevel_start});
            } else if (exists_in_guest(spec.root, "/etc/rc.d/rc")) {
                c.argv.insert(c.argv.end(), {"/etc/rc.d/rc", in.runlevel_start});
            } else {
                return make_error(
                    ENOENT,
                    "init style sysv: the guest root \"{}\" has neither /etc/init.d/rc nor "
                    "/etc/rc.d/rc (use apps/init/style reaper or plain)",
                    spec.root);
            }
            return c;
        }
        case spec::InitStyle::Systemd:
            // systemd mounts file systems and makes namespaces for its services: that needs
            // CAP_SYS_ADMIN, which only a user namespace confines to the guest.
            if (!spec.ns.user)
                return make_error(EPERM,
                                  "init style systemd needs a user namespace: systemd as PID 1 "
                                  "needs CAP_SYS_ADMIN, which without one is root over the "
                                  "host's mounts; create the guest's `userns` file (vserver NAME "
                                  "config, or build --userns)");
            c.argv = in.cmd_start.empty() ? std::vector<std::string>{"/sbin/init"} : in.cmd_start;
            VS_TRY(need(c.argv[0], in.cmd_start.empty() ? "init" : "apps/init/cmd.start"));
            return c;
        case spec::InitStyle::Reaper:
            c.use_helper = true;
            c.argv = {"vs-init", "--"};
            if (!in.cmd_start.empty()) {
                VS_TRY(need(in.cmd_start[0], "apps/init/cmd.start"));
                c.argv.insert(c.argv.end(), in.cmd_start.begin(), in.cmd_start.end());
            }
            return c;
    }
    return make_error(EINVAL, "unknown init style");
}

std::vector<std::string> stop_command(const spec::GuestSpec& spec) {
    const auto& in = spec.init;
    if (!in.cmd_stop.empty()) return in.cmd_stop;
    if (in.style == spec::InitStyle::Sysv) {
        if (exists_in_guest(spec.root, "/etc/init.d/rc"))
            return {"/etc/init.d/rc", in.runlevel_stop};
        if (exists_in_guest(spec.root, "/etc/rc.d/rc")) return {"/etc/rc.d/rc", in.runlevel_stop};
    }
    return {};
}

Result<std::string> helper_path() {
    if (const char* e = std::getenv("VSERVER_INIT_HELPER"); e && *e) return std::string(e);
    auto self = VS_TRY(sys::readlink("/proc/self/exe"));
    auto slash = self.rfind('/');
    std::string p = self.substr(0, slash) + "/vs-init";
    if (!sys::exists(p))
        return make_error(ENOENT,
                          "init helper \"{}\" not found (install vs-init next to vserver or set "
                          "VSERVER_INIT_HELPER)",
                          p);
    return p;
}

}  // namespace vs::runtime
