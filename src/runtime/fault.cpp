// Fault injection for tests: the start and stop points, through base/fault.
#include "runtime/fault.hpp"

#include "base/fault.hpp"

namespace vs::runtime {

Status fault_point(const char* point) { return vs::fault_point(point); }

}  // namespace vs::runtime
