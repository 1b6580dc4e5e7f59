// gradcheck: compares the tape's gradients of a function with central finite differences.
// Reusable by any test (include "gradcheck.h" from test/unit/eager).
//
//   EXPECT_TRUE(grad::testing::gradcheck(
//       [](const std::vector<grad::Tensor>& x) { return grad::tanh(x[0]) * x[1]; },
//       {grad::randn({3, 4}, 1, grad::DType::f64), grad::randn({4}, 2, grad::DType::f64)}));
//
// The function may return a tensor of any shape: it is reduced to a scalar as sum(out * w) with
// fixed random weights w, so every output element is checked. Inputs must be f64 (f32 finite
// differences are too noisy for a 1e-6 tolerance); non-float inputs (indices) are passed through.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <vector>

#include "grad/eager.h"

namespace grad::testing {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  double rtol = 1e-6;
  double atol = 1e-8;
  /// Check only these inputs (empty = every f64 input).
  std::vector<int> inputs;
};

inline ::testing::AssertionResult gradcheck(const Fn& fn, const std::vector<Tensor>& args,
                                            GradcheckOptions opt = {}) {
  std::vector<int> which = opt.inputs;
  if (which.empty())
    for (size_t i = 0; i < args.size(); ++i)
      if (args[i].dtype() == DType::f64)
        which.push_back(static_cast<int>(i));

  // Fixed weights for scalarizing the output.
  Tensor probe;
  {
    NoGradGuard no_grad;
    std::vector<Tensor> plain;
    for (const Tensor& a : args)
      plain.push_back(a.detach());
    probe = fn(plain);
  }
  Tensor w = randn(probe.shape(), 12345, DType::f64);
  auto scalar = [&](const std::vector<Tensor>& xs) { return sum(fn(xs) * w); };

  // Analytic gradients through the tape.
  std::vector<Tensor> leaves;
  for (const Tensor& a : args)
    leaves.push_back(a.detach());
  for (int i : which)
    leaves[i].requires_grad_(true);
  Tensor value = scalar(leaves);
  if (!value.requires_grad())
    return ::testing::AssertionFailure() << "output does not depend on the checked inputs";
  value.backward();

  std::ostringstream failures;
  int bad = 0;
  for (int i : which) {
    Tensor analytic = leaves[i].grad();
    std::vector<double> an = analytic.defined() ? analytic.to_vector<double>()
                                                : std::vector<double>(args[i].numel(), 0.0);
    std::vector<double> base = args[i].to_vector<double>();
    for (size_t j = 0; j < base.size(); ++j) {
      auto eval = [&](double delta) {
        std::vector<double> v = base;
        v[j] += delta;
        std::vector<Tensor> xs;
        for (const Tensor& a : args)
          xs.push_back(a.detach());
        xs[i] = tensor(v, args[i].shape());
        NoGradGuard no_grad;
        return scalar(xs).item<double>();
      };
      double numeric = (eval(opt.eps) - eval(-opt.eps)) / (2 * opt.eps);
      double err = std::abs(numeric - an[j]);
      if (err > opt.atol + opt.rtol * std::abs(numeric) &&
          !(std::isnan(numeric) && std::isnan(an[j]))) {
        if (bad++ < 5)
          failures << "\n  input " << i << " element " << j << ": analytic " << an[j] << " numeric "
                   << numeric << " (|diff| " << err << ")";
      }
    }
  }
  if (bad)
    return ::testing::AssertionFailure() << bad << " mismatched elements" << failures.str();
  return ::testing::AssertionSuccess();
}

} // namespace grad::testing
