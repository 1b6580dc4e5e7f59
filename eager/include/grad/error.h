// grad::Error: the one exception type of the eager API. Messages name the op and the offending
// shapes or dtypes, e.g. "add: shapes [2,3] and [4] are not broadcastable".
#pragma once

#include <stdexcept>
#include <string>

namespace grad {

/// Thrown by every eager operation on bad input (shape, dtype, autograd misuse).
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace grad
