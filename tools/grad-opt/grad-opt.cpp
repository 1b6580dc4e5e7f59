//===- grad-opt.cpp - mlir-opt with the grad dialect and passes ------------===//
//
// Parses, verifies, runs passes and prints, like mlir-opt. Registers the dialects of
// grad::registerGradDialects, MLIR's core and lowering passes, and grad's own passes through the
// registration functions that the pass libraries publish:
//   grad/Transforms/Passes.h  -> grad::registerGradPasses()            (fold, autodiff, fusion)
//   grad/Conversion/Passes.h  -> grad::registerGradConversionPasses()  (lowering)
// Each header is picked up when it exists, so adding a pass to those libraries needs no change
// here; grad-opt links every compiler component library (grad::compiler).
//
//===----------------------------------------------------------------------===//

#include "grad/Dialect/Registration.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Transform/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include "grad/Gpu/Passes.h"
#include "grad/Gpu/GpuPipeline.h"
#include "grad/Codegen/Pipeline.h"
#include "grad/Conversion/Passes.h"
#include "grad/Transforms/Passes.h"

int main(int argc, char **argv) {
  // Upstream passes our pipelines and lit tests use (canonicalize, cse, inline, symbol-dce, ...,
  // one-shot-bufferize, linalg and conversion passes, transform-interpreter).
  mlir::registerTransformsPasses();
  mlir::registerConversionPasses();
  mlir::affine::registerAffinePasses();
  mlir::bufferization::registerBufferizationPasses();
  mlir::func::registerFuncPasses();
  mlir::registerGPUPasses();
  mlir::registerLinalgPasses();
  mlir::memref::registerMemRefPasses();
  mlir::registerSCFPasses();
  mlir::transform::registerTransformPasses();
  grad::registerGradPasses();
  grad::registerGradConversionPasses();
  grad::registerCodegenPipelines(); // --grad-lower-to-llvm and the codegen passes
  grad::registerGpuPasses(); // the grad-specific steps of the NVPTX pipeline (docs/gpu.md)

  mlir::DialectRegistry registry;
  grad::registerGradDialects(registry);
  grad::registerCodegenDialects(registry);
  grad::registerGpuCodegenDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "grad optimizer driver\n", registry));
}
