//===- GpuLowerAllReduce.cpp - gpu.all_reduce -> shuffles + shared memory -===//
//
// MLIR 19's convert-gpu-to-nvvm marks gpu.all_reduce illegal without lowering
// it; the lowering exists as rewrite patterns (populateGpuAllReducePatterns:
// a butterfly of gpu.shuffle within each warp, one partial per warp in a
// workgroup buffer, a barrier, then the first warp reduces the partials).
// This pass applies them to every gpu.func of a gpu.module.
//
//===----------------------------------------------------------------------===//

#include "grad/Gpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace grad {
#define GEN_PASS_DEF_GRADGPULOWERALLREDUCE
#include "grad/Gpu/Passes.h.inc"
} // namespace grad

using namespace mlir;

namespace grad {
namespace {

struct GpuLowerAllReducePass : impl::GradGpuLowerAllReduceBase<GpuLowerAllReducePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateGpuAllReducePatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation().walk([](gpu::AllReduceOp op) {
      op.emitError("grad-gpu: gpu.all_reduce could not be lowered");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

} // namespace grad
