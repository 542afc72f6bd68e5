// Uid -> login name from the host's /etc/passwd, read once.
#include "procview/users.hpp"

#include <pwd.h>
#include <stdio.h>

#include <cerrno>
#include <vector>

namespace vs::procview {

namespace {

// /etc/passwd itself rather than getpwuid_r: the static vserver binary cannot load NSS modules
// (glibc would dlopen the system's libnss_*.so into a statically linked process, which crashes
// on a uid no file knows, such as a guest's user-namespace uid). fgetpwent_r parses the file
// with no NSS involved.
std::unordered_map<uid_t, std::string> read_passwd() {
    std::unordered_map<uid_t, std::string> out;
    FILE* f = ::fopen("/etc/passwd", "re");
    if (!f) return out;
    struct passwd pw {};
    struct passwd* res = nullptr;
    std::vector<char> buf(4096);
    for (;;) {
        int r = ::fgetpwent_r(f, &pw, buf.data(), buf.size(), &res);
        if (r == ERANGE && buf.size() < (1u << 20)) {
            buf.resize(buf.size() * 2);
            continue;
        }
        if (r != 0 || !res) break;
        out.emplace(res->pw_uid, res->pw_name);  // the first entry of a uid wins, as getpwuid's
    }
    ::fclose(f);
    return out;
}

}  // namespace

const std::string& UserNames::name(uid_t uid) {
    if (!loaded_) {
        cache_ = read_passwd();
        loaded_ = true;
    }
    auto it = cache_.find(uid);
    if (it != cache_.end()) return it->second;
    return cache_.emplace(uid, std::to_string(uid)).first->second;
}

}  // namespace vs::procview
