// Registry rows for the limits group (filled in by the registry work).
#include "config/vserver/keys.hpp"

namespace vs::config::vserver::rows {

void add_limits(std::vector<Key>&) {}

}  // namespace vs::config::vserver::rows
