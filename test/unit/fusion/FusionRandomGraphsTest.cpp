//===- FusionRandomGraphsTest.cpp - fusion never changes random graphs ----===//
//
// The random grad functions of the interpreter's property test (test/unit/interp/random_graph.h,
// same seeds), each interpreted before and after --grad-fuse on the same random arguments:
// results must be bit-identical. Every tenth graph is also compiled after fusion and compared
// with the interpreter. GRAD_FUSE_PROPERTY_SEED=<n> reruns one seed.
//
//===----------------------------------------------------------------------===//

#include "FusionTestUtil.h"

#include "grad/Codegen/Jit.h"
#include "grad/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include "../interp/random_graph.h"

#include <cstdio>
#include <cstdlib>

using namespace grad::fusiontest;

namespace {

struct Totals {
  int graphs = 0, fused = 0, fusions = 0, kernelsBefore = 0, kernelsAfter = 0, compiled = 0;
};

void checkSeed(uint64_t seed, bool compile, Totals &totals) {
  std::vector<grad::Tensor> args;
  grad::proptest::GraphGenerator gen(context(), seed);
  mlir::OwningOpRef<mlir::ModuleOp> module = gen.generate(args);
  std::string ir;
  llvm::raw_string_ostream os(ir);
  module->print(os);
  SCOPED_TRACE("seed " + std::to_string(seed) + "\n" + ir);
  ASSERT_TRUE(mlir::succeeded(mlir::verify(*module)));
  auto before = grad::interpret(module->lookupSymbol<mlir::func::FuncOp>("f"), args);
  ASSERT_TRUE(mlir::succeeded(before));
  mlir::OwningOpRef<mlir::ModuleOp> fused = fuse(*module);
  ASSERT_TRUE(fused);
  auto after = grad::interpret(fused->lookupSymbol<mlir::func::FuncOp>("f"), args);
  ASSERT_TRUE(mlir::succeeded(after));
  ASSERT_EQ(before->size(), after->size());
  for (size_t i = 0; i < before->size(); ++i)
    EXPECT_TRUE(identical((*after)[i], (*before)[i])) << "result #" << i;

  int fusions = countFusions(*fused);
  totals.graphs++;
  totals.fused += fusions > 0;
  totals.fusions += fusions;
  totals.kernelsBefore += countKernels(*module, "f");
  totals.kernelsAfter += countKernels(*fused, "f");

  if (!compile)
    return;
  auto compiled = grad::CompiledModule::compile(*fused);
  ASSERT_TRUE(mlir::succeeded(compiled));
  std::string error;
  auto outs = (*compiled)->run("f", args, &error);
  ASSERT_TRUE(mlir::succeeded(outs)) << error;
  for (size_t i = 0; i < before->size(); ++i)
    EXPECT_TRUE(close((*outs)[i], (*before)[i], 1e-4)) << "compiled, result #" << i;
  totals.compiled++;
}

TEST(FusionProperty, RandomGraphsEvaluateTheSameBeforeAndAfterFusion) {
  Totals totals;
  if (const char *only = std::getenv("GRAD_FUSE_PROPERTY_SEED")) {
    checkSeed(std::strtoull(only, nullptr, 10), /*compile=*/true, totals);
    return;
  }
  for (uint64_t seed = 1; seed <= 300 && !HasFatalFailure(); ++seed)
    checkSeed(seed, /*compile=*/seed % 10 == 0, totals);
  // Not vacuous: most graphs must have been fused, and fused to fewer kernels.
  EXPECT_EQ(totals.graphs, 300);
  EXPECT_GT(totals.fused, 150);
  EXPECT_LT(totals.kernelsAfter, totals.kernelsBefore);
  EXPECT_EQ(totals.compiled, 30);
  std::printf("fusion property: %d graphs, %d with regions (%d regions); kernels %d -> %d; "
              "%d compiled\n",
              totals.graphs, totals.fused, totals.fusions, totals.kernelsBefore,
              totals.kernelsAfter, totals.compiled);
}

} // namespace
