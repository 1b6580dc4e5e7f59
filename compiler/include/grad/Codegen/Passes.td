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

def GradParallelize : Pass<"grad-parallelize", "mlir::func::FuncOp"> {
  let summary = "Tile the outermost parallel loop of large linalg ops with scf.forall";
  let description = [{
    Runs on tensors, before grad-tile-and-vectorize. A linalg op with static
    loops whose iteration count is at least `min-work` gets its outermost
    parallel loop of extent > 1 tiled with scf.forall: tile 1 for a loop that is
    not innermost (a row of an elementwise op or of a row reduction), a
    `vector-size` multiple for the innermost (the columns of a column
    reduction), `matmul-tile-m` rows for a matmul's M loop (a batch loop: 1).
    grad-tile-and-vectorize then tiles and vectorizes the op inside each
    iteration as before. After bufferization, scf-forall-to-parallel and
    convert-scf-to-openmp turn the forall into an OpenMP worksharing loop
    (static schedule) on libomp's pool, sized by grad::set_num_threads. Each
    output element is computed by one iteration in a fixed order, so results
    do not depend on the thread count. An op with `?` loops (dynamic shapes)
    has its outermost parallel loop that is not innermost tiled with a tile
    computed at run time: 1 when the op's iteration count (the product of its
    loop extents, read from tensor.dim) reaches `min-work`, else the whole
    extent (one iteration; grad-fork-if-many-iterations then runs it on the
    calling thread). Left serial: ops below `min-work`,
    reductions to a scalar (no parallel loop), matmuls fused with their
    epilogue and their epilogues (the fusion needs the whole op), and matmuls
    that become BLAS calls (OpenBLAS has its own threads).

    Before:
      %r = linalg.generic {iterator_types = ["parallel", "parallel"]} ... tensor<4096x1024xf32>
    After:
      %r = scf.forall (%i) in (4096) shared_outs(%o = %init) -> tensor<4096x1024xf32> {
        ... linalg.generic ... tensor<1x1024xf32> ...
      }
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "Smallest iteration count of an op that is split over threads">,
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"64",
           "Tile of an innermost parallel loop (elements)">,
    Option<"matmulTileM", "matmul-tile-m", "int64_t", /*default=*/"64",
           "Rows of a matmul per forall iteration">,
    Option<"skipBlasMatmuls", "skip-blas-matmuls", "bool", /*default=*/"false",
           "Leave matmuls that grad-matmul-to-blas turns into BLAS calls serial">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"];
}

def GradInlineAllocaScopes : Pass<"grad-inline-alloca-scopes", "mlir::ModuleOp"> {
  let summary = "Inline the memref.alloca_scope ops that hold no alloca";
  let description = [{
    convert-scf-to-openmp wraps the body of each worksharing loop in a
    memref.alloca_scope, whose region must stay one block: the scf.for loops
    inside it could then not be lowered to branches (convert-scf-to-cf). When
    the scope holds no memref.alloca of its own, it is inlined; allocas made
    later (convert-vector-to-scf) go to the enclosing omp.parallel, an
    automatic allocation scope too, so each thread has its own.

    Before:
      omp.loop_nest (%i) ... { memref.alloca_scope { scf.for ... } omp.yield }
    After:
      omp.loop_nest (%i) ... { scf.for ... omp.yield }
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def GradForkIfManyIterations : Pass<"grad-fork-if-many-iterations", "mlir::ModuleOp"> {
  let summary = "Give each omp.parallel an if clause: its worksharing loop has >1 iteration";
  let description = [{
    After convert-scf-to-openmp. An omp.parallel whose body is one worksharing
    loop runs only when that loop has more than one iteration (%many: ub - lb
    > step in some dim, computed before the region); otherwise its body runs
    as a plain scf.for on the calling thread (a loop over one dim; other
    regions get the if clause `omp.parallel if(%many)`, which costs libomp's
    serialized-parallel calls). A grad-parallelize split of a `?` loop whose
    op is small at run time is one iteration. Static loops give a constant
    condition (folded: no change).

    Before:
      omp.parallel { omp.wsloop { omp.loop_nest (%i) : index = (%c0) to (%n) step (%t) {...} } }
    After:
      %span = arith.subi %n, %c0 : index
      %many = arith.cmpi sgt, %span, %t : index
      scf.if %many { omp.parallel { ... } } else { scf.for %i = %c0 to %n step %t {...} }
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::omp::OpenMPDialect",
                           "mlir::scf::SCFDialect"];
}

def GradFoldMatmulTransposes : Pass<"grad-fold-matmul-transposes", "mlir::func::FuncOp"> {
  let summary = "Fold transposes and batch reshapes into contractions (BLAS lowering)";
  let description = [{
    On tensors, so that BLAS reads every matmul operand in place:
    - matmul(transpose(A), B) -> matmul_transpose_a(A, B),
      matmul(A, transpose(B)) -> matmul_transpose_b(A, B), and
      transpose(matmul_transpose_a(A, B)) -> matmul_transpose_a(B, A) (likewise
      _b) when the matmul starts from a zero fill and has no other use;
    - any other linalg.transpose (any rank, any permutation) producing an
      operand of a contraction (linalg.matmul, batch_matmul, a mul-add generic),
      or consuming its zero-initialized single-use result, becomes that
      operand's permuted indexing map (the contraction a linalg.generic);
    - linalg.batch_matmul on tensor.collapse_shape of rank > 3 operands
      (grad.matmul of rank > 3) runs on the uncollapsed operands with one loop
      per batch dim (the collapse of a permuted tensor would be a copy).
    Each fold is made only if the contraction stays one that
    grad-matmul-to-blas turns into gemm calls: every operand's innermost dim
    is one of its two matrix dims (BLAS reads it with a leading dimension).

    Before:
      %kt = linalg.transpose ins(%k : tensor<2x4x8x16xf32>) outs(%e : tensor<2x4x16x8xf32>)
              permutation = [0, 1, 3, 2]
      %a = tensor.collapse_shape %q [[0, 1], [2], [3]] : ... into tensor<8x8x16xf32>
      %b = tensor.collapse_shape %kt [[0, 1], [2], [3]] : ... into tensor<8x16x8xf32>
      %s = linalg.batch_matmul ins(%a, %b : ...) outs(%zero : tensor<8x8x8xf32>)
    After:
      %s = linalg.generic {indexing_maps = [(b, h, m, n, k) -> (b, h, m, k),
                                            (b, h, m, n, k) -> (b, h, n, k),
                                            (b, h, m, n, k) -> (b, h, m, n)], ...}
             ins(%q, %k : ...) outs(%zero4 : tensor<2x4x8x8xf32>)
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def GradSplitMatmulFills : Pass<"grad-split-matmul-fills", "mlir::func::FuncOp"> {
  let summary = "Give each BLAS matmul its own zero-fill accumulator (before bufferization)";
  let description = [{
    CSE merges the identical zero fills that start every matmul of a traced
    step into one tensor; bufferization then copies that zero buffer into each
    matmul's output. This pass clones the fill (and a fresh tensor.empty) for
    every contraction grad-matmul-to-blas will call BLAS for
    (grad::isBlasMatmulCandidate) whose fill has other uses, so each output is
    filled in place (and grad-matmul-to-blas folds the fill into beta = 0).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def GradSplitReshapeShapes : Pass<"grad-split-reshape-shapes", "mlir::func::FuncOp"> {
  let summary = "Give each tensor.reshape its own shape tensor (before bufferization)";
  let description = [{
    LLVM 19's one-shot bufferization treats a tensor.reshape's shape operand as
    an alias of its result (fixed in LLVM 21, llvm-project #128590). After CSE,
    the reshapes that split a `?` dim in two share one tensor.from_elements of
    the run-time sizes, so all their results alias and a write to one of them
    copies a whole buffer; so does a write to a buffer reshaped later with a
    shape defined before the write. This pass gives every tensor.reshape its
    own tensor.from_elements, right before it:

    ```mlir
    %s = tensor.from_elements %b, %t, %c64 : tensor<3xindex>
    %r0 = tensor.reshape %x(%s) : ...
    %r1 = tensor.reshape %y(%s) : ...
    ```
    becomes two reshapes, each with its own `tensor.from_elements`.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def GradMatmulToBlas : Pass<"grad-matmul-to-blas", "mlir::ModuleOp"> {
  let summary = "Replace contractions on buffers with calls to cblas_sgemm / cblas_dgemm";
  let description = [{
    Every contraction linalg op (named or generic, a mul-add body; batch, M,
    N, K dims from linalg::inferContractionDims) on static f32/f64 memrefs with
    static strides, exactly one M, one N and one K loop, projected-permutation
    indexing maps and each operand unit-stride in one of its two matrix dims
    becomes scf.for loops over its batch dims (size-1 dims get none) around one
    cblas_?gemm call: row major, the transpose flags and leading dimensions
    from the strides (a size-1 dim may have any stride), base pointers
    advanced by the batch strides, and C unit-stride in M computed as
    C^T = B^T A^T. alpha = beta = 1 (C += op(A) op(B)); a zero fill of C
    right before becomes beta = 0. The JIT resolves the symbols in the process
    (OpenBLAS); an object file that contains such calls must be linked with
    -lopenblas. Other contractions stay (loops later).

    With `parallel-batch`, the batch loops of a gemm of at most
    `parallel-batch-max-work` multiply-adds (M * N * K: below OpenBLAS's own
    threshold for threading one call, 4 * 65536, so each call runs on its
    caller's thread) are one scf.forall instead: after outlining,
    scf-forall-to-parallel and convert-scf-to-openmp split the batch over the
    OpenMP threads (attention's per-head products, 64 calls per batched
    matmul). Larger gemms keep serial loops: OpenBLAS threads each call.

    Before:
      linalg.matmul_transpose_a ins(%a, %b : memref<7x5xf32>, memref<7x3xf32>)
                                outs(%c : memref<5x3xf32>)
    After:
      call @cblas_sgemm(%c101, %c112, %c111, %c5, %c3, %c7, %one, %pa, %c5, %pb, %c3,
                        %one, %pc, %c3)
  }];
  let options = [
    Option<"parallelBatch", "parallel-batch", "bool", /*default=*/"false",
           "Run the batch loops of small gemms as one scf.forall (OpenMP threads)">,
    Option<"parallelBatchMaxWork", "parallel-batch-max-work", "int64_t",
           /*default=*/"262144",
           "Largest M * N * K of a gemm whose batch loops are parallel">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def GradEarlyDealloc : Pass<"grad-early-dealloc", "mlir::func::FuncOp"> {
  let summary = "Move each temporary's memref.dealloc to right after its last use";
  let description = [{
    The buffer deallocation pipeline frees a function's temporaries at the end
    of their block. For a memref.dealloc of a memref.alloc in the same block,
    this pass moves the dealloc to just after the last op of the block that
    uses the buffer or any value derived from it (views, extracted pointers,
    results of ops reading it, ops whose regions use it). Likewise each
    statically shaped memref.alloc moves down to just before the first op of
    its block that uses it. Straight-line functions then hold only the
    temporaries that are live.
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

def GradDonateBuffers : Pass<"grad-donate-buffers", "mlir::func::FuncOp"> {
  let summary = "Compute donated results in their input's buffer (linalg on tensors)";
  let description = [{
    For a function with `grad.donate = array<i64: i0, j0, i1, j1, ...>` (input
    i's buffer is donated to result j, docs/codegen.md "Buffer donation"): when
    result j is made by a linalg.generic whose init is a tensor.empty, the init
    becomes argument i, and an input of that generic that reads argument i
    through the same indexing map reads the init's block argument instead.
    One-shot bufferization then writes the result into argument i's buffer in
    place when nothing reads the old value afterwards (it copies otherwise, so
    the rewrite never changes what the function computes). Runs before tiling.

    Before:
      %e = tensor.empty() : tensor<4xf32>
      %r = linalg.generic ins(%p, %g) outs(%e) { p - g }
      return %r
    After (grad.donate = array<i64: 0, 0>):
      %r = linalg.generic ins(%g) outs(%p) { out - g }
      return %r
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def GradIsolateResults : Pass<"grad-isolate-results", "mlir::func::FuncOp"> {
  let summary = "Give every returned buffer its own allocation";
  let description = [{
    Runs after bufferization, before buffer-results-to-out-params: a returned
    function argument, or a buffer returned twice, is copied into a fresh
    allocation first. buffer-results-to-out-params{hoist-static-allocs} then
    turns every result allocation into the caller's output buffer (and MLIR 19
    crashes on a returned block argument there).

    A donated result j of argument i (`grad.donate`, see grad-donate-buffers)
    is written into argument i's buffer: the caller passes that buffer as
    output j too. When bufferization computed it in place nothing is copied;
    otherwise it is copied into argument i right before the return (after
    every read of the old value). Either way result j returns a fresh,
    unwritten allocation, which becomes the out-param.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def GradOutlineKernels : Pass<"grad-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Move each loop nest of a public function into its own private function";
  let description = [{
    Runs on buffers (after bufferization and deallocation placement). Each
    top-level scf.for nest and each linalg op with loops in a public function
    moves into a private `noinline` func.func (internal linkage in LLVM, so two
    objects link into one program) named `<fn>_k<N>` that takes the
    values it uses from outside (memrefs, scalars) as arguments; a func.call
    replaces it. A training step is then hundreds of small functions instead of
    one huge one: LLVM's superlinear passes (scheduling, register allocation,
    scalar evolution) stay fast, MLIR's function passes run in parallel, and a
    profile (GRAD_PERF_JIT=1) names each kernel.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::LLVM::LLVMDialect"];
}

#endif // GRAD_CODEGEN_PASSES
