//===- GraphPipeline.cpp - the graph passes every door runs ---------------===//
//
// One list of graph-level passes, used by gradc, the CPU jit and the CUDA jit (issue 12: the same
// model was optimized differently depending on the door). Order and why:
//   canonicalize + grad-fold   simplify and evaluate constant subgraphs (skipped by --no-fold)
//   grad-autodiff              when a function is to be differentiated (gradc --grad; the jit
//                              differentiates while tracing)
//   canonicalize               the reverse sweep emits the VJP rules unsimplified
//   cse
//   grad-factor-reductions     distribute sums so that sibling reductions stop depending on each
//   cse                        other (the layer_norm backward), before fusion groups them
//   grad-fuse                  it groups what the passes above left (docs/fusion.md)
//   grad-check-limits          what folding and autodiff materialized must fit the constant
//                              limit (docs/limits.md)
//
//===----------------------------------------------------------------------===//

#include "grad/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace grad {

void buildGraphPipeline(OpPassManager &pm, const GraphPipelineOptions &options) {
  if (options.fold) {
    OpPassManager &fn = pm.nest<func::FuncOp>();
    fn.addPass(createCanonicalizerPass());
    fn.addPass(createGradFoldPass());
  }
  if (!options.gradFunc.empty()) {
    GradAutodiffPassOptions autodiff;
    autodiff.funcName = options.gradFunc;
    autodiff.argnums = options.gradArgnums;
    pm.addPass(createGradAutodiffPass(autodiff));
    if (options.fold)
      pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createCSEPass());
  if (options.fuse) {
    OpPassManager &fn = pm.nest<func::FuncOp>();
    fn.addPass(createGradFactorReductionsPass());
    fn.addPass(createCSEPass());
    GradFusePassOptions fuse;
    fuse.report = options.fusionReport;
    fn.addPass(createGradFusePass(fuse));
  }
  GradCheckLimitsPassOptions limits;
  limits.maxConstantBytes = options.maxConstantBytes;
  pm.addPass(createGradCheckLimitsPass(limits));
}

LogicalResult runGraphPipeline(ModuleOp module, const GraphPipelineOptions &options) {
  PassManager pm(module->getName());
  buildGraphPipeline(pm, options);
  return pm.run(module);
}

} // namespace grad
