//===- FusionTestUtil.h - helpers of the fusion result tests -----*- C++ -*-===//
//
// One MLIRContext with grad's dialects, running --grad-fuse on a clone, an independent kernel
// count, and value comparisons (exact for interpreter vs interpreter, with a tolerance for
// compiled code vs the interpreter).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_TEST_UNIT_FUSION_FUSIONTESTUTIL_H
#define GRAD_TEST_UNIT_FUSION_FUSIONTESTUTIL_H

#include "grad/tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace grad::fusiontest {

/// A context with every grad dialect loaded (shared by the tests of one binary).
mlir::MLIRContext &context();

/// `module` cloned, with --grad-fuse run on every function and the result verified. Fails the
/// current test (and returns null) if the pass or the verifier fails.
mlir::OwningOpRef<mlir::ModuleOp> fuse(mlir::ModuleOp module);

/// Kernels of @fn counted from the printed IR's structure: top-level grad ops other than
/// grad.constant and grad.reshape; a grad.fusion counts once (docs/fusion.md).
int countKernels(mlir::ModuleOp module, llvm::StringRef fn);
/// Number of grad.fusion ops in `module`.
int countFusions(mlir::ModuleOp module);

/// Same dtype, shape and bits (NaN where NaN).
::testing::AssertionResult identical(const Tensor &a, const Tensor &b);
/// Same dtype and shape, |a - b| <= tol * (1 + |b|), NaN where NaN, infinities equal.
::testing::AssertionResult close(const Tensor &got, const Tensor &want, double tol);

} // namespace grad::fusiontest

#endif // GRAD_TEST_UNIT_FUSION_FUSIONTESTUTIL_H
