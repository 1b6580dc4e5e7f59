// Three independent ways to get a gradient, for tests that compare them:
//  - the --grad-autodiff transformation: trace fn into @f, build @f_grad, run it with the
//    reference interpreter and compiled to native code (the CPU JIT);
//  - the eager tape: fresh leaves, fn, backward();
//  - central finite differences of the eager forward (f64).
#pragma once

#include "grad/Autodiff/Autodiff.h"
#include "grad/Jit/Executable.h"
#include "grad/Jit/Tracer.h"
#include "grad/autograd.h"
#include "grad/ops.h"
#include "grad/tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace grad::testing {

using ScalarFn = std::function<Tensor(const std::vector<Tensor> &)>;

struct PassGradients {
  Tensor value;
  std::vector<Tensor> grads;
  Tensor nativeValue;               ///< @f_grad's value, compiled to native code
  std::vector<Tensor> nativeGrads;  ///< @f_grad's gradients, compiled to native code
  std::string ir; ///< the optimized module holding @f and @f_grad
};

/// Gradients of fn's scalar result by the autodiff transformation on traced IR.
inline PassGradients gradViaPass(const ScalarFn &fn, const std::vector<Tensor> &inputs,
                                 const std::vector<int64_t> &argnums) {
  auto ctx = createTraceContext();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(ctx.get()));
  std::vector<size_t> structure;
  detail::FlatFn flat = [&](const std::vector<Tensor> &args, std::vector<size_t> &) {
    return std::vector<Tensor>{fn(args)};
  };
  mlir::func::FuncOp f = traceFunction(*module, "f", flat, inputs, structure);
  bool ok = false;
  std::string diags = collectDiagnostics(
      ctx.get(), [&] { return mlir::failure(mlir::failed(buildGradFunction(f, argnums))); }, ok);
  if (!ok)
    throw Error("buildGradFunction failed: " + diags);
  optimizeTracedModule(*module, /*optimize=*/true);
  PassGradients result;
  llvm::raw_string_ostream os(result.ir);
  module->print(os);
  std::vector<Tensor> outs = compileEntry(*module, "f_grad", JitBackend::Interpreter)->run(inputs);
  result.value = outs.at(0);
  result.grads.assign(outs.begin() + 1, outs.end());
  std::vector<Tensor> native = compileEntry(*module, "f_grad", JitBackend::Native)->run(inputs);
  result.nativeValue = native.at(0);
  result.nativeGrads.assign(native.begin() + 1, native.end());
  return result;
}

/// Gradients by the eager tape.
inline std::vector<Tensor> gradViaTape(const ScalarFn &fn, const std::vector<Tensor> &inputs,
                                       const std::vector<int64_t> &argnums) {
  std::vector<Tensor> leaves = inputs;
  for (int64_t a : argnums)
    leaves[a] = inputs[a].detach().requires_grad_(true);
  fn(leaves).backward();
  std::vector<Tensor> grads;
  for (int64_t a : argnums)
    grads.push_back(leaves[a].grad().defined() ? leaves[a].grad() : zeros_like(inputs[a]));
  return grads;
}

/// Central finite differences of fn (evaluated eagerly, in f64) with step `eps`.
inline std::vector<Tensor> gradViaFiniteDifferences(const ScalarFn &fn,
                                                    const std::vector<Tensor> &inputs,
                                                    const std::vector<int64_t> &argnums,
                                                    double eps = 1e-6) {
  NoGradGuard noGrad;
  std::vector<Tensor> grads;
  for (int64_t a : argnums) {
    std::vector<double> x = inputs[a].to_vector<double>();
    std::vector<double> g(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      auto eval = [&](double xi) {
        std::vector<double> moved = x;
        moved[i] = xi;
        std::vector<Tensor> args = inputs;
        args[a] = tensor(moved, inputs[a].shape());
        return fn(args).item<double>();
      };
      g[i] = (eval(x[i] + eps) - eval(x[i] - eps)) / (2 * eps);
    }
    grads.push_back(tensor(g, inputs[a].shape()));
  }
  return grads;
}

/// Elementwise |a - b| <= atol + rtol * |b|, with a message naming the first bad element.
inline void expectAllClose(const Tensor &a, const Tensor &b, double rtol, double atol,
                           const std::string &what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i) {
    ASSERT_TRUE(std::isfinite(va[i])) << what << " element " << i;
    ASSERT_LE(std::abs(va[i] - vb[i]), atol + rtol * std::abs(vb[i]))
        << what << " element " << i << ": " << va[i] << " vs " << vb[i];
  }
}

} // namespace grad::testing
