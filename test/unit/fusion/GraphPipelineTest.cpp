//===- GraphPipelineTest.cpp - the three doors run one graph pipeline -----===//
//
// gradc (runGraphPasses with its default flags), the CPU jit (compileEntry, native backend) and
// the CUDA jit (compileGpuEntry, which runs the graph passes before it looks for a device) turn
// the same traced module into the same grad-level IR: one pipeline (buildGraphPipeline), not one
// per door. Every e2e model's value_and_grad module is put through each door.
//
//===----------------------------------------------------------------------===//

#include "FusionTestUtil.h"
#include "models.h"

#include "grad/Gpu/GpuJit.h"
#include "grad/Driver/Gradc.h"
#include "grad/Jit/Executable.h"
#include "grad/error.h"
#include "grad/jit.h"
#include "grad/transforms.h"

#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace grad;
using namespace grad::fusiontest;
using namespace grad::e2e;

namespace {

std::string print(mlir::ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return text;
}

struct Door {
  const char *name;
  std::function<void(mlir::ModuleOp)> run;
};

void checkDoors(const std::string &traced) {
  std::vector<Door> doors = {
      {"gradc",
       [](mlir::ModuleOp m) {
         ASSERT_TRUE(mlir::succeeded(runGraphPasses(m, GradcOptions{})));
       }},
      {"cpu jit", [](mlir::ModuleOp m) { (void)compileEntry(m, "forward", JitBackend::Native, ""); }},
      {"cuda jit",
       [](mlir::ModuleOp m) {
         try {
           (void)compileGpuEntry(m, "forward");
         } catch (const Error &) {
           // No CUDA device here: the graph passes ran before the device check.
         }
       }},
  };
  std::vector<std::string> results;
  for (const Door &door : doors) {
    mlir::OwningOpRef<mlir::ModuleOp> m = mlir::parseSourceString<mlir::ModuleOp>(traced, &context());
    ASSERT_TRUE(m) << door.name;
    door.run(*m);
    results.push_back(print(*m));
    EXPECT_NE(results.back(), print(*mlir::parseSourceString<mlir::ModuleOp>(traced, &context())))
        << door.name << " ran no graph pass";
  }
  for (size_t i = 1; i < results.size(); ++i)
    EXPECT_EQ(results[i], results[0]) << doors[i].name << " differs from " << doors[0].name;
}

TEST(GraphPipeline, TheThreeDoorsProduceTheSameGradIR) {
  checkDoors(trace(value_and_grad(mlpLoss, {2, 3, 4, 5}), mlpArgs(DType::f32)).mlir());
  checkDoors(trace(value_and_grad(transformerLoss, {0, 2, 3, 4, 5, 6, 8, 10}),
                   transformerArgs(DType::f32))
                 .mlir());
  checkDoors(trace(value_and_grad(mlpLoss, {0, 2, 3, 4, 5}), mlpArgs(DType::f64)).mlir());
}

} // namespace
