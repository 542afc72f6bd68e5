// write_host_names(): the copy's /etc/hostname and /etc/hosts for vserver-copy --domain.
#include "transfer/host_names.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>

#include "base/sys.hpp"
#include "fs/resolve.hpp"

namespace vs::transfer {

namespace {

// Writes `data` to a new file in `etc` and renames it over `name`: renameat(2) replaces a
// symlink there rather than following it, and a directory there makes it fail (EISDIR).
Status replace_file(int etc, const std::string& name, const std::string& data) {
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t mode = 0644;
    struct stat st {};
    if (::fstatat(etc, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
        uid = st.st_uid;
        gid = st.st_gid;
        mode = st.st_mode & 0777;
    } else if (::fstat(etc, &st) == 0) {
        // No regular file there: owned like the guest's etc (its root, user-namespaced or not).
        uid = st.st_uid;
        gid = st.st_gid;
    }
    const std::string tmp = fmt::format(".{}.vserver-copy.{}", name, ::getpid());
    const std::string what = "etc/" + name;
    auto fd =
        VS_TRY(sys::open_at(etc, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    auto fill = [&]() -> Status {
        VS_TRY(sys::write_all(fd.get(), data, what));
        if (::fchown(fd.get(), uid, gid) < 0) return errno_error(fmt::format("chown {}", what));
        if (::fchmod(fd.get(), mode) < 0) return errno_error(fmt::format("chmod {}", what));
        if (::renameat(etc, tmp.c_str(), etc, name.c_str()) < 0)
            return errno_error(fmt::format("rename {} over {}", tmp, what));
        return ok();
    };
    auto r = fill();
    if (!r) ::unlinkat(etc, tmp.c_str(), 0);
    return r;
}

}  // namespace

Status validate_domain(const std::string& domain) {
    bool good = !domain.empty() && domain.size() <= 253;
    size_t label = 0;
    for (size_t i = 0; good && i < domain.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(domain[i]);
        if (c == '.') {
            // No empty label, none ending with '-'.
            good = label > 0 && domain[i - 1] != '-';
            label = 0;
        } else if (std::isalnum(c) || (c == '-' && label > 0)) {
            good = ++label <= 63;
        } else {
            good = false;
        }
    }
    if (!good || label == 0 || domain.back() == '-')
        return make_error(EINVAL,
                          "--domain \"{}\": not a DNS domain (labels of letters, digits and '-' "
                          "joined by dots)",
                          domain);
    return ok();
}

Result<std::string> first_address(const std::vector<spec::Interface>& interfaces) {
    for (auto& itf : interfaces)
        if (!itf.disabled && !itf.ip.empty()) return itf.ip;
    return make_error(EINVAL,
                      "--domain names the copy's address in its /etc/hosts, and the copy has "
                      "none: give it one with -i/--ip ADDR");
}

Status write_host_names(const std::string& root, const std::string& name, const std::string& domain,
                        const std::string& address) {
    VS_TRY(validate_domain(domain));
    auto rootfd = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    fs::Resolve how;
    how.no_xdev = true;
    auto etc = VS_TRY(fs::open_in_root(rootfd.get(), "etc", O_RDONLY | O_DIRECTORY, 0, how)
                          .wrap("the copy's /etc"));
    VS_TRY(replace_file(etc.get(), "hostname", name + "\n"));
    VS_TRY(replace_file(etc.get(), "hosts",
                        fmt::format("# written by vserver-copy --domain\n"
                                    "127.0.0.1\tlocalhost\n"
                                    "{}\t{}.{}\t{}\n"
                                    "\n"
                                    "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                    "ff02::1\tip6-allnodes\n"
                                    "ff02::2\tip6-allrouters\n",
                                    address, name, domain, name)));
    return ok();
}

}  // namespace vs::transfer
