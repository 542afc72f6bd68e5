// vps --json: one object per process (schema: docs/host-tools.md, "vps --json").
#pragma once

#include <nlohmann/json.hpp>

#include "procview/snapshot.hpp"
#include "procview/users.hpp"

namespace vs::procview {

nlohmann::json proc_json(const Proc& p, const Guest* g, const Clock& c, UserNames& users);

}  // namespace vs::procview
