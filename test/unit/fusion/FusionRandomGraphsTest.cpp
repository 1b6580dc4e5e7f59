//===- FusionRandomGraphsTest.cpp - fusion never changes random graphs ----===//
//
// The random grad functions of the interpreter's property test (test/unit/interp/random_graph.h,
// same seeds), each interpreted before and after --grad-fuse on the same random arguments:
// results must be bit-identical. Every tenth graph is also compiled after fusion and compared
// with the interpreter. GRAD_FUSE_PROPERTY_SEED=<n> reruns one seed.
// A second family, dense DAGs of 4x4 values where each op reads one of the last six values
// (elementwise ops, transposes, matmuls, reductions + broadcasts), stresses the cycle check:
// it found a cycle that only exists between groups (test/lit/fusion/cycle.mlir).
//
//===----------------------------------------------------------------------===//

#include "FusionTestUtil.h"

#include "grad/Codegen/Jit.h"
#include "grad/Bridge/OpTableBridge.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/ops.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include "../interp/random_graph.h"

#include <cstdio>
#include <cstdlib>
#include <random>

using namespace grad::fusiontest;

namespace {

struct Totals {
  int graphs = 0, fused = 0, fusions = 0, kernelsBefore = 0, kernelsAfter = 0, compiled = 0;
};

/// A dense DAG @f(x, y) of 4x4 f32 values: each op reads one or two of the last six values.
mlir::OwningOpRef<mlir::ModuleOp> denseDag(uint64_t seed, std::vector<grad::Tensor> &args) {
  using grad::OpKind;
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  mlir::OpBuilder b(&context());
  mlir::Location loc = b.getUnknownLoc();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
  auto type = grad::tensorTypeFor(&context(), {4, 4}, grad::DType::f32);
  b.setInsertionPointToEnd(module->getBody());
  auto fn = b.create<mlir::func::FuncOp>(loc, "f", b.getFunctionType({type, type}, {}));
  b.setInsertionPointToEnd(fn.addEntryBlock());
  std::vector<mlir::Value> pool(fn.getArguments().begin(), fn.getArguments().end());
  args = {grad::randn({4, 4}, seed, grad::DType::f32), grad::randn({4, 4}, seed + 1000)};
  auto pick = [&] { return pool[pool.size() - 1 - uniform(0, std::min<int>(5, pool.size() - 1))]; };
  auto build = [&](OpKind kind, mlir::ValueRange operands, const grad::OpAttrs &attrs = {}) {
    mlir::FailureOr<mlir::Value> v = grad::buildGradOp(b, loc, kind, operands, attrs);
    EXPECT_TRUE(mlir::succeeded(v)) << grad::op_info(kind).name;
    return mlir::succeeded(v) ? *v : operands.front();
  };
  for (int i = 0; i < 40; ++i) {
    grad::OpAttrs attrs;
    switch (uniform(0, 7)) {
    case 0:
    case 1:
      pool.push_back(build(uniform(0, 1) ? OpKind::Add : OpKind::Mul, {pick(), pick()}));
      break;
    case 2:
      pool.push_back(build(uniform(0, 1) ? OpKind::Tanh : OpKind::Sigmoid, {pick()}));
      break;
    case 3:
      attrs.perm = {1, 0};
      pool.push_back(build(OpKind::Transpose, {pick()}, attrs));
      break;
    case 4:
      // Keep values bounded: matmul of two tanh-squashed values.
      pool.push_back(build(OpKind::Matmul, {build(OpKind::Tanh, {pick()}), pick()}));
      break;
    default: { // a reduction over one axis, broadcast back
      int axis = uniform(0, 1);
      attrs.axes = {axis};
      mlir::Value r = build(uniform(0, 1) ? OpKind::Sum : OpKind::Max, {pick()}, attrs);
      grad::OpAttrs bc;
      bc.dims = {1 - axis};
      bc.shape = {4, 4};
      pool.push_back(build(OpKind::Broadcast, {r}, bc));
      break;
    }
    }
  }
  llvm::SmallVector<mlir::Value> results = {pool.back(), pool[pool.size() - 2],
                                            pool[uniform(2, pool.size() - 1)]};
  b.create<mlir::func::ReturnOp>(loc, results);
  fn.setFunctionType(b.getFunctionType({type, type}, mlir::TypeRange(mlir::ValueRange(results))));
  return module;
}

void checkModule(mlir::OwningOpRef<mlir::ModuleOp> module, const std::vector<grad::Tensor> &args,
                 uint64_t seed, bool compile, Totals &totals) {
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

void checkSeed(uint64_t seed, bool compile, Totals &totals) {
  std::vector<grad::Tensor> args;
  grad::proptest::GraphGenerator gen(context(), seed);
  checkModule(gen.generate(args), args, seed, compile, totals);
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

TEST(FusionProperty, DenseDagsWithMatmulsTransposesAndReductions) {
  Totals totals;
  for (uint64_t seed = 1; seed <= 200 && !HasFatalFailure(); ++seed) {
    std::vector<grad::Tensor> args;
    mlir::OwningOpRef<mlir::ModuleOp> module = denseDag(seed, args);
    checkModule(std::move(module), args, seed, /*compile=*/seed % 20 == 0, totals);
  }
  EXPECT_EQ(totals.graphs, 200);
  EXPECT_EQ(totals.fused, 200);
  EXPECT_LT(totals.kernelsAfter, totals.kernelsBefore);
  std::printf("fusion dense DAGs: %d graphs, %d regions; kernels %d -> %d; %d compiled\n",
              totals.graphs, totals.fusions, totals.kernelsBefore, totals.kernelsAfter,
              totals.compiled);
}

} // namespace
