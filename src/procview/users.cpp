// getpwuid_r with a cache.
#include "procview/users.hpp"

#include <pwd.h>

#include <vector>

namespace vs::procview {

const std::string& UserNames::name(uid_t uid) {
    auto it = cache_.find(uid);
    if (it != cache_.end()) return it->second;
    struct passwd pw {};
    struct passwd* res = nullptr;
    std::vector<char> buf(4096);
    std::string n = std::to_string(uid);
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res) n = res->pw_name;
    return cache_.emplace(uid, std::move(n)).first->second;
}

}  // namespace vs::procview
