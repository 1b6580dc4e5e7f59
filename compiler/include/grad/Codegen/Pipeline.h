//===- Pipeline.h - grad -> LLVM lowering pipeline --------------*- C++ -*-===//
//
// The CPU code generation pipeline: grad -> linalg on tensors -> tiled and
// vectorized linalg -> one-shot bufferization -> caller-allocated outputs ->
// loops -> LLVM dialect. One options struct drives the JIT, the object
// emitter and the --grad-lower-to-llvm pipeline of grad-opt.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_PIPELINE_H
#define GRAD_CODEGEN_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace grad {

/// Knobs of the CPU code generation pipeline. Defaults are the tuned ones.
struct CodegenOptions {
  /// LLVM optimization level, 0..3 (gradc -O0..3). At 0 nothing is tiled or
  /// vectorized either: the naive loop pipeline, quickest to compile.
  unsigned optLevel = 3;
  /// Tile and vectorize linalg ops (ignored at optLevel 0).
  bool vectorize = true;
  /// Cache tile (M, N, K) and register tile of matmuls; see docs/codegen.md.
  std::vector<int64_t> matmulTile = {64, 128, 64};
  std::vector<int64_t> matmulRegisterTile = {8, 32, 1};
  /// Copy each cache tile of a matmul's right operand into a contiguous buffer.
  bool packMatmulRhs = true;
  /// How f32/f64 matmuls become code: the tiled, vectorized loop nest generated here, or a
  /// call to cblas_sgemm/cblas_dgemm (2-D transposes folded into its flags). Blas needs
  /// OpenBLAS at run time: the JIT finds it in the process; an object file must be linked
  /// with -lopenblas. grad::jit uses Blas; gradc and emitObjectFile default to Generated.
  enum class MatmulLowering { Generated, Blas };
  MatmulLowering matmulLowering = MatmulLowering::Generated;
  /// Lower memref.alloc/dealloc to MLIR's generic allocation functions, which the JIT binds
  /// to a per-size cache (JitAllocator.h). Set by CompiledModule::compile; an object file
  /// would need those symbols, so it is off elsewhere.
  bool jitAllocator = false;
  /// Largest innermost tile (elements) of elementwise ops and reductions. 0: one vector
  /// register of f32 on the target (16 with AVX-512, 8 with AVX, else 4; see
  /// nativeVectorElements). Wider tiles cost registers: a fused body keeps many values live,
  /// and 64-wide tiles (4 AVX-512 registers per value) spill (docs/codegen.md).
  int64_t vectorSize = 0;
  /// Split the outer parallel loop of large ops over OpenMP threads (grad-parallelize, then
  /// OpenMP calls into libomp; docs/threads.md). Only at optLevel > 0.
  bool parallel = true;
  /// Smallest iteration count of an op that is split over threads.
  int64_t parallelMinWork = 32768;
  /// Optimize the public entry functions (and their C-interface wrappers) like the kernels.
  /// Off by default (Note [Unoptimized entries] in ObjectEmitter.cpp): after
  /// grad-outline-kernels an entry only allocates, calls kernels and BLAS, and frees, so it is
  /// compiled with optnone and fast instruction selection. Only at optLevel > 0.
  bool optimizeEntries = false;
  /// Target for object emission; empty = the host CPU and its features.
  std::string targetTriple;
  std::string targetCPU;
  std::string targetFeatures;
  /// Verify the module after every lowering pass (MLIR's default) instead of once at the
  /// end: a pass that produces invalid IR for an unsupported input (e.g. a dynamic shape) is
  /// then stopped by a diagnostic before the next pass trips over it. CompiledModule::compile
  /// turns it off (its input passed collectSignatures: static shapes, supported types), which
  /// saves 0.3-0.6 s of the charlm step's lowering; GRAD_VERIFY_PASSES=1 turns it back on.
  bool verifyEachPass = true;
  /// Called on the pass manager before it runs (gradc uses it for
  /// --print-ir-after-all and --time-passes).
  std::function<void(mlir::PassManager &)> configurePassManager;
};

/// f32 lanes of one vector register of the target of `options` (the host's when no target
/// is set): 16 with AVX-512F, 8 with AVX, else 4.
int64_t nativeVectorElements(const CodegenOptions &options);

/// Adds tensors -> buffers to `pm` (the calling convention of docs/codegen.md, shared by the
/// CPU and GPU pipelines): one-shot bufferization with identity-layout function boundaries,
/// grad-isolate-results, and results as caller-allocated out-params (static allocations
/// hoisted, copies as linalg copies).
void buildBufferizeToOutParams(mlir::OpPassManager &pm);

/// Adds linalg on tensors -> LLVM dialect to `pm` (on builtin.module). Public
/// functions get `llvm.emit_c_interface`; results become out-params.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm, const CodegenOptions &options);

/// Which dialects reach buildToLLVMDialect. The one list of conversions to the LLVM dialect,
/// shared by the CPU pipeline, the GPU host code and the GPU emulator (test/support).
struct LLVMLoweringOptions {
  bool vector = false;  ///< convert-vector-to-llvm (the tiled and vectorized CPU code)
  bool math = true;     ///< math -> LLVM intrinsics, then the rest -> libm calls
  bool gpuHost = false; ///< gpu-to-llvm: gpu.launch_func and friends on the host
  bool openmp = false;  ///< omp -> LLVM (the parallel CPU code)
  /// memref.alloc through the generic _mlir_memref_to_llvm_alloc (the JIT allocator).
  bool genericAllocFunctions = false;
  /// The per-function conversions (strided metadata, affine, vector, math, arith) nested on
  /// func.func, so that MLIR runs them on the functions in parallel (the CPU kernels).
  bool nestOnFunctions = false;
};

/// Adds memref/affine/vector/math/arith/func/cf (+gpu host, omp) -> LLVM dialect to `pm`,
/// then reconcile-unrealized-casts and a canonicalization. SCF must already be lowered to CF.
void buildToLLVMDialect(mlir::OpPassManager &pm, const LLVMLoweringOptions &options);

/// Lowers `module` (grad and/or linalg on tensors) in place to the LLVM dialect.
/// Diagnostics go to the module's context.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module, const CodegenOptions &options);

/// Registers --grad-lower-to-llvm (whole pipeline) and the codegen passes with
/// the global registry, for grad-opt.
void registerCodegenPipelines();

/// Registers the dialects and the LLVM IR translations the pipeline needs
/// with `registry` (dialects whose ops the lowering creates are loaded by the
/// passes themselves; this adds the interface implementations).
void registerCodegenDialects(mlir::DialectRegistry &registry);

} // namespace grad

#endif // GRAD_CODEGEN_PIPELINE_H
