//===- dist_test_util.h - shared by the tests run under mpirun -np 2 -----*- C++ -*-===//
//
// A gtest environment that calls grad::dist::init() / finalize() around the binary's tests,
// rank and world size, and the largest elementwise difference of two tensors. Include it from
// exactly one source file per test binary (it registers the environment).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TEST_UNIT_DIST_DIST_TEST_UTIL_H
#define GRAD_TEST_UNIT_DIST_DIST_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "grad/dist.h"
#include "grad/eager.h"

namespace grad::disttest {

class DistEnvironment : public ::testing::Environment {
public:
  void SetUp() override { grad::dist::init(); }
  void TearDown() override { grad::dist::finalize(); }
};
inline const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new DistEnvironment);

inline int R() { return grad::dist::rank(); }
inline int N() { return grad::dist::world_size(); }

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  EXPECT_EQ(x.size(), y.size());
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i)
    m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

} // namespace grad::disttest

#endif // GRAD_TEST_UNIT_DIST_DIST_TEST_UTIL_H
