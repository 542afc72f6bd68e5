// getpwuid_r with a cache.
#include "procview/users.hpp"

#include <pwd.h>

#include <cerrno>
#include <vector>

namespace vs::procview {

const std::string& UserNames::name(uid_t uid) {
    auto it = cache_.find(uid);
    if (it != cache_.end()) return it->second;
    struct passwd pw {};
    struct passwd* res = nullptr;
    std::vector<char> buf(4096);
    std::string n = std::to_string(uid);
    // ERANGE: the entry (an LDAP user with many fields, say) needs a larger buffer (getpwuid_r(3)).
    int rc;
    while ((rc = ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &res)) == ERANGE &&
           buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    if (rc == 0 && res) n = res->pw_name;
    return cache_.emplace(uid, std::move(n)).first->second;
}

}  // namespace vs::procview
