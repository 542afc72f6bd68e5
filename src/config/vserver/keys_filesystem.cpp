// Registry rows for the filesystem group (filled in by the registry work).
#include "config/vserver/keys.hpp"

namespace vs::config::vserver::rows {

void add_filesystem(std::vector<Key>&) {}

}  // namespace vs::config::vserver::rows
