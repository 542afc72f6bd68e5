// User names for uids, looked up once per uid (getpwuid is a file scan under NSS).
#pragma once

#include <sys/types.h>

#include <string>
#include <unordered_map>

namespace vs::procview {

class UserNames {
public:
    /// The login name, or the number as text when the uid has no passwd entry.
    const std::string& name(uid_t uid);

private:
    std::unordered_map<uid_t, std::string> cache_;
};

}  // namespace vs::procview
