//===- Passes.td - grad code generation passes -------------*- tablegen -*-===//
//
// The passes of the CPU code generation pipeline that MLIR 19 does not offer as
// passes: tiling + vectorization of linalg ops with op-dependent tile sizes,
// lowering of vector ops after bufferization, fast math expansions, and the
// lowering of strided memref copies to loops (so that object files need no
// MLIR runtime library).
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CODEGEN_PASSES
#define GRAD_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def GradTileAndVectorize : Pass<"grad-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Tile linalg ops on tensors and vectorize the tiles";
  let description = [{
    Matmul-like ops (linalg.matmul, linalg.batch_matmul) are tiled twice: a
    cache tile (`matmul-tile`, M x N x K) and a register tile
    (`matmul-register-tile`); the register tile is vectorized into a
    vector.contract that later lowers to outer products (FMAs). Every other
    linalg op is tiled to 1 along all loops but the innermost, which is tiled to
    at most `vector-size` elements, and vectorized. Tile sizes are shrunk to
    divisors of the static loop extents so every tile has a static shape. Ops
    the vectorizer rejects (e.g. gathers) stay tiled linalg ops and become
    scalar loops later. First, a 2-D matmul whose single use is an all-parallel
    elementwise epilogue (bias + activation) is fused into the epilogue's
    M x N cache-tile loops, so matmul and epilogue are one loop nest; a
    reduction to a scalar that reads a broadcast operand stays scalar loops
    (MLIR 19's reduction-to-contract patterns mis-handle it).

    Before:
      %r = linalg.matmul ins(%a, %b : tensor<512x512xf32>, tensor<512x512xf32>) ...
    After:
      scf.for ... scf.for ... { vector.transfer_read ... vector.contract ... }
  }];
  let options = [
    ListOption<"matmulTile", "matmul-tile", "int64_t",
               "Cache tile sizes M,N,K of matmuls">,
    ListOption<"matmulRegisterTile", "matmul-register-tile", "int64_t",
               "Register tile sizes M,N,K of matmuls">,
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"64",
           "Largest innermost tile of non-matmul ops (elements)">,
    Option<"packRhs", "pack-rhs", "bool", /*default=*/"true",
           "Copy each cache tile of a matmul's right operand into a contiguous buffer">,
    Option<"skipBlasMatmuls", "skip-blas-matmuls", "bool", /*default=*/"false",
           "Leave f32/f64 linalg.matmul, matmul_transpose_a/_b untiled (for grad-matmul-to-blas)">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def GradFoldMatmulTransposes : Pass<"grad-fold-matmul-transposes", "mlir::func::FuncOp"> {
  let summary = "Fold 2-D transposes into linalg.matmul_transpose_a/_b (BLAS lowering)";
  let description = [{
    On tensors: matmul(transpose(A), B) -> matmul_transpose_a(A, B),
    matmul(A, transpose(B)) -> matmul_transpose_b(A, B), and
    transpose(matmul_transpose_a(A, B)) -> matmul_transpose_a(B, A) (likewise _b)
    when the matmul starts from a zero fill and has no other use. Used when
    matmuls become BLAS calls, which take the transposes as flags.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def GradSplitMatmulFills : Pass<"grad-split-matmul-fills", "mlir::func::FuncOp"> {
  let summary = "Give each BLAS matmul its own zero-fill accumulator (before bufferization)";
  let description = [{
    CSE merges the identical zero fills that start every matmul of a traced
    step into one tensor; bufferization then copies that zero buffer into each
    matmul's output. This pass clones the fill (and a fresh tensor.empty) for
    every f32/f64 matmul / matmul_transpose_a/_b whose fill has other uses, so
    each output is filled in place (and grad-matmul-to-blas folds the fill into
    beta = 0).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def GradMatmulToBlas : Pass<"grad-matmul-to-blas", "mlir::ModuleOp"> {
  let summary = "Replace matmuls on buffers with calls to cblas_sgemm / cblas_dgemm";
  let description = [{
    linalg.matmul, linalg.matmul_transpose_a and linalg.matmul_transpose_b on
    static rank-2 f32/f64 memrefs with unit inner stride become one call to
    cblas_sgemm / cblas_dgemm (row major, alpha = beta = 1: C += op(A) op(B)).
    The JIT resolves the symbol in the process (OpenBLAS); an object file that
    contains such calls must be linked with -lopenblas. Other matmuls stay.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect"];
}

def GradEarlyDealloc : Pass<"grad-early-dealloc", "mlir::func::FuncOp"> {
  let summary = "Move each temporary's memref.dealloc to right after its last use";
  let description = [{
    The buffer deallocation pipeline frees a function's temporaries at the end
    of their block. For a memref.dealloc of a memref.alloc in the same block,
    this pass moves the dealloc to just after the last op of the block that
    uses the buffer or any value derived from it (views, extracted pointers,
    results of ops reading it, ops whose regions use it). Straight-line
    functions then hold only the temporaries that are still live.
  }];
}

def GradLowerVector : Pass<"grad-lower-vector", "mlir::func::FuncOp"> {
  let summary = "Hoist and lower vector ops after bufferization";
  let description = [{
    Hoists loop-invariant vector transfers (the matmul accumulator stays in
    registers across the K loop), lowers vector.contract to outer products,
    multi-reductions to elementwise ops + 1-D reductions, and transfers,
    transposes, broadcasts and shape casts to 1-D vector ops that
    convert-vector-to-llvm understands.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def GradLowerMath : Pass<"grad-lower-math", "mlir::func::FuncOp"> {
  let summary = "Expand math ops LLVM has no intrinsic for into arith/math ops";
  let description = [{
    tanh and rsqrt are expanded; f32 exp, log, tanh, ... get MLIR's polynomial
    approximations (vectorizable, no libm call). Whatever is left (f64
    transcendental functions) calls libm.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def GradLowerCopies : Pass<"grad-lower-copies", "mlir::func::FuncOp"> {
  let summary = "Lower memref.copy between non-contiguous buffers to loops";
  let description = [{
    finalize-memref-to-llvm turns a copy between two identity-layout memrefs
    into llvm.memcpy but any other copy into a call to `memrefCopy` from
    libmlir_c_runner_utils. This pass rewrites those copies into
    linalg.generic copies (loops later), so compiled code needs only libc.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def GradEmitCInterface : Pass<"grad-emit-c-interface", "mlir::ModuleOp"> {
  let summary = "Mark public functions with llvm.emit_c_interface";
  let description = [{
    Every public func.func gets `llvm.emit_c_interface`, so that
    convert-func-to-llvm emits `_mlir_ciface_<name>` taking pointers to memref
    descriptors: the entry points of the JIT and of AOT objects
    (docs/codegen.md, calling convention).
  }];
}

def GradIsolateResults : Pass<"grad-isolate-results", "mlir::func::FuncOp"> {
  let summary = "Give every returned buffer its own allocation";
  let description = [{
    Runs after bufferization, before buffer-results-to-out-params: a returned
    function argument, or a buffer returned twice, is copied into a fresh
    allocation first. buffer-results-to-out-params{hoist-static-allocs} then
    turns every result allocation into the caller's output buffer (and MLIR 19
    crashes on a returned block argument there).
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

#endif // GRAD_CODEGEN_PASSES
