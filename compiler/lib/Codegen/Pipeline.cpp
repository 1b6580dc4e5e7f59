//===- Pipeline.cpp - grad -> LLVM dialect pass pipeline ------------------===//
//
// Builds the CPU lowering pipeline from MLIR's own passes plus the few grad
// passes MLIR lacks (Passes.td):
//
//   grad ops ──grad-lower-to-linalg──> linalg on tensors
//     ──grad-fuse-elementwise────────> fused linalg.generic (never into matmuls)
//     ──grad-donate-buffers──────────> donated results computed into their input
//     ──grad-fold-matmul-transposes──> matmul_transpose_a/_b   (BLAS lowering only)
//     ──grad-parallelize─────────────> scf.forall over the outer parallel loop of big ops
//     ──grad-tile-and-vectorize──────> scf.for + vector ops on tensors
//     ──one-shot-bufferize───────────> memrefs (identity layout at functions)
//     ──buffer-results-to-out-params─> caller-allocated outputs
//     ──buffer-deallocation-pipeline─> temporaries freed
//     ──grad-early-dealloc───────────> ... right after their last use
//     ──grad-matmul-to-blas──────────> cblas_?gemm calls     (BLAS lowering only)
//     ──grad-lower-vector────────────> 1-D vectors, FMAs
//     ──grad-lower-copies, convert-linalg-to-loops, grad-lower-math
//     ──scf-forall-to-parallel, convert-scf-to-openmp, grad-inline-alloca-scopes
//                                    ──> omp.parallel + omp.wsloop
//     ──*-to-llvm────────────────────> LLVM dialect (OpenMP: __kmpc_* calls into libomp)
//
//===----------------------------------------------------------------------===//

#include "grad/Codegen/Pipeline.h"

#include "grad/Codegen/Passes.h"
#include "grad/Conversion/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/AllInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/TensorTilingInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/Transforms/SubsetOpInterfaceImpl.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>

using namespace mlir;

namespace grad {

void registerCodegenDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, func::FuncDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
                  omp::OpenMPDialect, scf::SCFDialect, tensor::TensorDialect,
                  vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerAllDialectInterfaceImplementations(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerTilingInterfaceExternalModels(registry);
  tensor::registerSubsetOpInterfaceExternalModels(registry);
  vector::registerSubsetOpInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  func::registerInlinerExtension(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
}

int64_t nativeVectorElements(const CodegenOptions &options) {
  std::string features = options.targetFeatures;
  if (options.targetTriple.empty() && features.empty())
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      if (feature.second)
        features += "+" + feature.first().str() + ",";
  auto has = [&](llvm::StringRef name) {
    return llvm::StringRef(features).contains(("+" + name + ",").str()) ||
           llvm::StringRef(features).ends_with(("+" + name).str());
  };
  if (has("avx512f"))
    return 16;
  if (has("avx"))
    return 8;
  return 4;
}

void buildBufferizeToOutParams(OpPassManager &pm) {
  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGradIsolateResults());
  bufferization::BufferResultsToOutParamsOpts outParams;
  outParams.hoistStaticAllocs = true;
  outParams.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) -> LogicalResult {
    linalg::makeMemRefCopyOp(b, loc, from, to);
    return success();
  };
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
}

void buildLinalgToLLVMPipeline(OpPassManager &pm, const CodegenOptions &options) {
  bool vectorize = options.vectorize && options.optLevel > 0;
  bool blas = options.matmulLowering == CodegenOptions::MatmulLowering::Blas;
  pm.addPass(createGradEmitCInterface());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Donated results (grad.donate) compute into their input: one-shot bufferization below then
  // writes them in place when that is safe (Note [Buffer donation] in IsolateResults.cpp).
  pm.addNestedPass<func::FuncOp>(createGradDonateBuffers());
  if (blas) {
    pm.addNestedPass<func::FuncOp>(createGradFoldMatmulTransposes());
    pm.addPass(createCanonicalizerPass());
  }
  const bool parallel = options.parallel && options.optLevel > 0;
  if (parallel) {
    GradParallelizeOptions split;
    split.minWork = options.parallelMinWork;
    split.vectorSize =
        options.vectorSize > 0 ? options.vectorSize : nativeVectorElements(options);
    split.matmulTileM = options.matmulTile.empty() ? 64 : options.matmulTile[0];
    split.skipBlasMatmuls = blas;
    pm.addNestedPass<func::FuncOp>(createGradParallelize(split));
  }
  if (vectorize) {
    GradTileAndVectorizeOptions tiling;
    tiling.matmulTile = options.matmulTile;
    tiling.matmulRegisterTile = options.matmulRegisterTile;
    tiling.vectorSize =
        options.vectorSize > 0 ? options.vectorSize : nativeVectorElements(options);
    tiling.packRhs = options.packMatmulRhs;
    tiling.skipBlasMatmuls = blas;
    pm.addNestedPass<func::FuncOp>(createGradTileAndVectorize(tiling));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    // A row statistic read as one element (tensor.extract + vector.broadcast, Note [Short rows
    // in one vector]) and what is computed from it alone (layer_norm's rsqrt) leave the row
    // loop while they are pure ops on tensors; after bufferization the load could not pass the
    // loop's stores (LLVM cannot tell the buffers apart).
    pm.addNestedPass<func::FuncOp>(createLoopInvariantCodeMotionPass());
    // Keeps the matmul accumulator tile in loop-carried vectors across K.
    pm.addPass(createLoopInvariantSubsetHoistingPass());
    pm.addPass(createCanonicalizerPass());
  }

  // Tensors -> buffers. Function boundaries get identity layouts (contiguous
  // row-major descriptors); results become caller-allocated out-params, and
  // an output that is a local allocation is replaced by the out-param itself.
  if (blas)
    pm.addNestedPass<func::FuncOp>(createGradSplitMatmulFills());
  pm.addNestedPass<func::FuncOp>(createGradSplitReshapeShapes());
  buildBufferizeToOutParams(pm);
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGradEarlyDealloc());

  // Buffers -> BLAS calls, loops and 1-D vectors.
  if (blas) {
    GradMatmulToBlasOptions toBlas;
    toBlas.parallelBatch = parallel; // Note [Parallel batches of small gemms]
    pm.addPass(createGradMatmulToBlas(toBlas));
  }
  // One function per loop nest from here on: smaller functions for LLVM (compile time grows
  // superlinearly with a function's size) and parallel function passes.
  pm.addPass(createGradOutlineKernels());
  if (vectorize)
    pm.addNestedPass<func::FuncOp>(createGradLowerVector());
  pm.addNestedPass<func::FuncOp>(createGradLowerCopies());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createGradLowerMath());
  if (parallel) {
    // Before convert-vector-to-scf: the allocas it makes then land in omp.parallel (one per
    // thread), not at the function entry (one shared by all threads).
    pm.addPass(createForallToParallelLoopPass());
    pm.addPass(createConvertSCFToOpenMPPass());
    pm.addPass(createGradForkIfManyIterations());
    pm.addPass(createGradInlineAllocaScopes());
  }
  // From here on every pass that works within one function runs nested on func.func, i.e. on
  // all kernels in parallel (MLIR's thread pool); the module passes (memref, func, cf and
  // OpenMP to LLVM, which add declarations or change signatures) stay on the module.
  OpPassManager &kernels = pm.nest<func::FuncOp>();
  kernels.addPass(createConvertVectorToSCFPass());
  kernels.addPass(createLoopInvariantCodeMotionPass());
  kernels.addPass(createConvertSCFToCFPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());

  // Everything -> LLVM dialect.
  LLVMLoweringOptions llvmLowering;
  llvmLowering.vector = true;
  llvmLowering.openmp = parallel;
  llvmLowering.genericAllocFunctions = options.jitAllocator;
  llvmLowering.nestOnFunctions = true;
  buildToLLVMDialect(pm, llvmLowering);
}

void buildToLLVMDialect(OpPassManager &pm, const LLVMLoweringOptions &options) {
  // Conversions that work within one function run nested on func.func when asked (the CPU
  // kernels, converted in parallel); the others add declarations or change signatures.
  auto addFunctionPass = [&](std::unique_ptr<Pass> pass) {
    if (options.nestOnFunctions)
      pm.addNestedPass<func::FuncOp>(std::move(pass));
    else
      pm.addPass(std::move(pass));
  };
  addFunctionPass(memref::createExpandStridedMetadataPass());
  addFunctionPass(createLowerAffinePass());
  if (options.vector)
    addFunctionPass(createConvertVectorToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = options.genericAllocFunctions;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  if (options.math) {
    addFunctionPass(createConvertMathToLLVMPass());
    pm.addPass(createConvertMathToLibmPass());
  }
  addFunctionPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  if (options.gpuHost)
    pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (options.openmp)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

namespace {
bool envFlag(const char *name) {
  const char *value = std::getenv(name);
  return value && *value && std::string(value) != "0";
}
} // namespace

LogicalResult lowerToLLVMDialect(ModuleOp module, const CodegenOptions &options) {
  DialectRegistry registry;
  registerCodegenDialects(registry);
  module->getContext()->appendDialectRegistry(registry);
  PassManager pm(module->getContext());
  buildGradToLinalgPipeline(pm, /*siblingReductions=*/true);
  buildLinalgToLLVMPipeline(pm, options);
  // Verifying the whole module after each of ~40 module passes cost 0.3-0.6 s of the charlm
  // step's ~1.2 s lowering; the JIT verifies once at the end instead
  // (CodegenOptions::verifyEachPass).
  bool verifyEach = options.verifyEachPass || envFlag("GRAD_VERIFY_PASSES");
  pm.enableVerifier(verifyEach);
  if (options.configurePassManager)
    options.configurePassManager(pm);
  if (envFlag("GRAD_TIME_PASSES"))
    pm.enableTiming();
  if (failed(pm.run(module)))
    return failure();
  return success(verifyEach || succeeded(verify(module)));
}

namespace {
struct LowerToLLVMPipelineOptions : PassPipelineOptions<LowerToLLVMPipelineOptions> {
  Option<unsigned> optLevel{*this, "opt-level", llvm::cl::desc("0 = no tiling/vectorization"),
                            llvm::cl::init(3)};
  Option<int64_t> vectorSize{*this, "vector-size",
                             llvm::cl::desc("Largest innermost tile of non-matmul ops (0: one "
                                            "native vector register of f32)"),
                             llvm::cl::init(0)};
  Option<bool> parallel{*this, "parallel",
                        llvm::cl::desc("Split large ops over OpenMP threads (grad-parallelize)"),
                        llvm::cl::init(true)};
  Option<bool> blasMatmul{*this, "blas-matmul",
                          llvm::cl::desc("Matmuls call grad_gemm_f32/f64 (libgradrt: OpenBLAS, rows split over the OpenMP pool; MatmulLowering::Blas)"),
                          llvm::cl::init(false)};
};
} // namespace

void registerCodegenPipelines() {
  registerCodegenPasses();
  PassPipelineRegistration<LowerToLLVMPipelineOptions>(
      "grad-lower-to-llvm",
      "Lower grad (or linalg on tensors) to the LLVM dialect: the CPU codegen pipeline",
      [](OpPassManager &pm, const LowerToLLVMPipelineOptions &cl) {
        CodegenOptions options;
        options.optLevel = cl.optLevel;
        options.vectorSize = cl.vectorSize;
        options.parallel = cl.parallel;
        if (cl.blasMatmul)
          options.matmulLowering = CodegenOptions::MatmulLowering::Blas;
        buildGradToLinalgPipeline(pm, /*siblingReductions=*/true);
        buildLinalgToLLVMPipeline(pm, options);
      });
}

} // namespace grad
