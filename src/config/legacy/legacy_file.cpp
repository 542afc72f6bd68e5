// The legacy config's path and the message for a guest that only has one.
#include "config/legacy/legacy_file.hpp"

#include <sys/stat.h>

#include <cerrno>

namespace vs::config::legacy {

std::string legacy_file(const Paths& paths, const std::string& name) {
    return paths.config_dir + "/" + name + ".conf";
}

Error missing_guest(const Paths& paths, const std::string& name) {
    std::string dir = paths.guest_config(name), conf = legacy_file(paths, name);
    struct stat st {};
    if (::lstat(conf.c_str(), &st) == 0 && S_ISREG(st.st_mode))
        return make_error(ENOENT,
                          "guest \"{}\" has only the legacy config \"{}\" (no config dir \"{}\"): "
                          "convert it with `vserver {} import-legacy`",
                          name, conf, dir, name);
    return make_error(ENOENT, "guest \"{}\" does not exist (no config dir \"{}\")", name, dir);
}

}  // namespace vs::config::legacy
