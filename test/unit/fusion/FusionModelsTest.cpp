//===- FusionModelsTest.cpp - fusion never changes the e2e models' results ===//
//
// Every model of test/e2e/models_test.cpp (MLP + cross-entropy, the pre-norm transformer block,
// broadcasting with unused inputs, a Hessian-vector product, an nn::Sequential through
// functional_call), traced with value_and_grad as grad::jit would, then:
//   1. the reference interpreter before and after --grad-fuse: bit-identical results (fusion
//      only regroups and recomputes ops; every op still runs the same eager kernel);
//   2. the fused module compiled by the CPU pipeline vs the interpreter, within the tolerance of
//      the compiled code's f32 polynomial exp/tanh/log and reassociated sums;
//   3. fusion did something: fewer kernels, at least one region.
// The model functions are copies of the e2e test's (which keeps them private to its file).
//
//===----------------------------------------------------------------------===//

#include "FusionTestUtil.h"
#include "models.h" // test/e2e: the e2e models

#include "grad/Codegen/Jit.h"
#include "grad/Interpreter/Interpreter.h"
#include "grad/jit.h"
#include "grad/nn.h"
#include "grad/ops.h"
#include "grad/transforms.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "grad/Transforms/Passes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace grad;
using namespace grad::fusiontest;
using namespace grad::e2e;

namespace {

// The models: test/e2e/models.h.

struct ModelCase {
  std::string name;
  TensorFn loss;
  std::vector<Tensor> args;
  std::vector<int> argnums;
  double compiledTolerance;
};

std::vector<ModelCase> modelCases() {
  std::vector<Tensor> broadcastArgs = {randn({3, 4}, 30, DType::f64), randn({4}, 31, DType::f64),
                                       randn({3, 1}, 32, DType::f64), randn({2}, 33, DType::f64),
                                       tensor(std::vector<int64_t>{1, 2, 3}, {3})};
  return {
      {"mlp_f64", mlpLoss, mlpArgs(DType::f64), {0, 2, 3, 4, 5}, 1e-9},
      {"mlp_f32", mlpLoss, mlpArgs(DType::f32), {2, 3, 4, 5}, 1e-4},
      {"transformer_f64",
       transformerLoss,
       transformerArgs(DType::f64),
       {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
       1e-9},
      {"transformer_f32",
       transformerLoss,
       transformerArgs(DType::f32),
       {0, 2, 3, 4, 5, 6, 8, 10},
       1e-3},
      {"broadcast_unused", broadcastLoss, broadcastArgs, {0, 1, 2, 3}, 1e-9},
      {"hessian_vector",
       hvpObjective,
       {tensor(std::vector<double>{0.5, -1.0, 2.0}, {3}),
        tensor(std::vector<double>{1.0, 0.25, -0.5}, {3})},
       {0},
       1e-9},
  };
}

/// Traces value_and_grad(loss) like grad::jit and parses it into the test context.
mlir::OwningOpRef<mlir::ModuleOp> traceModel(const TensorFn &loss, const std::vector<Tensor> &args,
                                             const std::vector<int> &argnums) {
  std::string text = trace(value_and_grad(loss, argnums), args).mlir();
  return mlir::parseSourceString<mlir::ModuleOp>(text, &context());
}

/// Checks 1-3 of the file comment on one traced model; returns the kernel counts.
std::pair<int, int> checkModel(mlir::ModuleOp module, const std::vector<Tensor> &args,
                               double compiledTolerance) {
  auto before = interpret(module.lookupSymbol<mlir::func::FuncOp>("forward"), args);
  EXPECT_TRUE(mlir::succeeded(before));
  mlir::OwningOpRef<mlir::ModuleOp> fused = fuse(module);
  if (!fused || mlir::failed(before))
    return {0, 0};
  auto after = interpret(fused->lookupSymbol<mlir::func::FuncOp>("forward"), args);
  EXPECT_TRUE(mlir::succeeded(after));
  if (mlir::succeeded(after)) {
    EXPECT_EQ(before->size(), after->size());
    for (size_t i = 0; i < before->size() && i < after->size(); ++i)
      EXPECT_TRUE(identical((*after)[i], (*before)[i])) << "interpreter, result #" << i;
  }

  auto compiled = CompiledModule::compile(*fused);
  EXPECT_TRUE(mlir::succeeded(compiled));
  if (mlir::succeeded(compiled)) {
    std::string error;
    auto outs = (*compiled)->run("forward", args, &error);
    EXPECT_TRUE(mlir::succeeded(outs)) << error;
    if (mlir::succeeded(outs))
      for (size_t i = 0; i < before->size() && i < outs->size(); ++i)
        EXPECT_TRUE(close((*outs)[i], (*before)[i], compiledTolerance))
            << "compiled after fusion, result #" << i;
  }
  int kernelsBefore = countKernels(module, "forward"),
      kernelsAfter = countKernels(*fused, "forward");
  EXPECT_GT(countFusions(*fused), 0);
  EXPECT_LT(kernelsAfter, kernelsBefore);
  return {kernelsBefore, kernelsAfter};
}

class FusionModels : public ::testing::TestWithParam<size_t> {};

TEST_P(FusionModels, SameResultsBeforeAndAfterFusion) {
  ModelCase c = modelCases()[GetParam()];
  mlir::OwningOpRef<mlir::ModuleOp> module = traceModel(c.loss, c.args, c.argnums);
  ASSERT_TRUE(module);
  auto [before, after] = checkModel(*module, c.args, c.compiledTolerance);
  std::printf("fusion: %-18s kernels before %3d, after %3d\n", c.name.c_str(), before, after);
}

/// --grad-factor-reductions (and CSE) on the traced model: the reference interpreter gives the
/// same results up to the reassociation of the distributed sums; on the transformer (layer_norm
/// backward) something is factored.
TEST_P(FusionModels, FactorReductionsKeepsResults) {
  ModelCase c = modelCases()[GetParam()];
  mlir::OwningOpRef<mlir::ModuleOp> module = traceModel(c.loss, c.args, c.argnums);
  ASSERT_TRUE(module);
  mlir::OwningOpRef<mlir::ModuleOp> factored = module->clone();
  mlir::PassManager pm(&context());
  pm.addNestedPass<mlir::func::FuncOp>(createGradFactorReductionsPass());
  pm.addNestedPass<mlir::func::FuncOp>(mlir::createCSEPass());
  ASSERT_TRUE(mlir::succeeded(pm.run(*factored)));
  ASSERT_TRUE(mlir::succeeded(mlir::verify(*factored)));
  auto before = interpret(module->lookupSymbol<mlir::func::FuncOp>("forward"), c.args);
  auto after = interpret(factored->lookupSymbol<mlir::func::FuncOp>("forward"), c.args);
  ASSERT_TRUE(mlir::succeeded(before));
  ASSERT_TRUE(mlir::succeeded(after));
  ASSERT_EQ(before->size(), after->size());
  double tol = c.name.ends_with("f32") ? 1e-5 : 1e-12;
  for (size_t i = 0; i < before->size(); ++i)
    EXPECT_TRUE(close((*after)[i], (*before)[i], tol)) << "result #" << i;
  auto text = [](mlir::ModuleOp m) {
    std::string s;
    llvm::raw_string_ostream os(s);
    m.print(os);
    return s;
  };
  if (c.name.starts_with("transformer"))
    EXPECT_NE(text(*module), text(*factored)) << "the layer_norm backward was not factored";
}

INSTANTIATE_TEST_SUITE_P(EveryE2eModel, FusionModels, ::testing::Range<size_t>(0, 6),
                         [](const ::testing::TestParamInfo<size_t> &info) {
                           return modelCases()[info.param].name;
                         });

TEST(FusionModelsNn, SequentialThroughFunctionalCall) {
  nn::Sequential model{nn::Linear(nn::LinearOptions(5, 8).seed(1).dtype(DType::f64)), nn::ReLU(),
                       nn::Linear(nn::LinearOptions(8, 3).seed(2).dtype(DType::f64))};
  std::vector<Tensor> args = {randn({6, 5}, 40, DType::f64),
                              tensor(std::vector<int64_t>{0, 2, 1, 1, 0, 2}, {6})};
  std::vector<int> argnums;
  for (const Tensor &p : model.parameters()) {
    argnums.push_back(static_cast<int>(args.size()));
    args.push_back(p);
  }
  TensorFn loss = [&](const std::vector<Tensor> &a) {
    std::vector<Tensor> params(a.begin() + 2, a.end());
    return functional_call(model, params, [&] { return cross_entropy(model.forward(a[0]), a[1]); });
  };
  mlir::OwningOpRef<mlir::ModuleOp> module = traceModel(loss, args, argnums);
  ASSERT_TRUE(module);
  auto [before, after] = checkModel(*module, args, 1e-9);
  std::printf("fusion: %-18s kernels before %3d, after %3d\n", "nn_sequential", before, after);
}

} // namespace
