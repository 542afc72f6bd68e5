// Registry rows for the resources group (filled in by the registry work).
#include "config/vserver/keys.hpp"

namespace vs::config::vserver::rows {

void add_resources(std::vector<Key>&) {}

}  // namespace vs::config::vserver::rows
