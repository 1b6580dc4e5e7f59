//===- Passes.td - grad conversion passes ------------------*- tablegen -*-===//
//
// Conversions out of the grad dialect.
//
//===----------------------------------------------------------------------===//

#ifndef GRAD_CONVERSION_PASSES
#define GRAD_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def GradLowerToLinalg : Pass<"grad-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower grad ops to linalg, tensor, arith and math ops on tensors";
  let description = [{
    Every grad op becomes linalg on tensors with the same static shapes:
    elementwise ops become linalg.generic with arith/math bodies (gelu and
    sigmoid expanded in the body), grad.broadcast a linalg.generic with a
    projected input map, reductions linalg.generic with reduction iterators
    (mean divides afterwards, max starts at -inf), grad.matmul linalg.matmul or
    linalg.batch_matmul, grad.transpose linalg.transpose, grad.reshape
    tensor.reshape-free collapse/expand or a flat reshape, grad.slice
    tensor.extract_slice, grad.concat tensor.insert_slice into tensor.empty,
    grad.gather a linalg.generic with tensor.extract, grad.all_reduce a call into
    libgradrt_mpi on a bufferization.alloc_tensor copy (CollectivesToCalls.cpp),
    grad.fusion is inlined.
    An op without a lowering is an error naming the op.

    Before:
      %0 = grad.add %a, %b : tensor<4xf32>
    After:
      %e = tensor.empty() : tensor<4xf32>
      %0 = linalg.generic {...} ins(%a, %b : ...) outs(%e : ...) {
        ^bb0(%x: f32, %y: f32, %o: f32):
          %s = arith.addf %x, %y : f32
          linalg.yield %s : f32
      } -> tensor<4xf32>
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
                           "mlir::math::MathDialect", "mlir::tensor::TensorDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def GradFuseElementwise : Pass<"grad-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg ops and fold reshapes into them, never into contractions";
  let description = [{
    The pattern list of MLIR's --linalg-fuse-elementwise-ops (elementwise
    producer/consumer fusion, reshape propagation by expansion, constant
    folding, the linalg/tensor reshape canonicalizations), with a control
    function that refuses every fusion or reshape propagation whose producer
    or consumer is a contraction (linalg.matmul, linalg.batch_matmul, a
    generic with a mul-add reduction). MLIR's pass pushes the
    tensor.collapse_shape / expand_shape around a matmul on [B, T, D]
    activations into the matmul, which turns it into a linalg.generic with two
    reduction loops or five loops: neither a BLAS call nor a tiled matmul.
    Here the matmul stays a named 2-D op between its reshapes (views after
    bufferization).

    Before:
      %x2 = tensor.collapse_shape %x [[0, 1], [2]] : tensor<4x8x16xf32> into tensor<32x16xf32>
      %y = linalg.matmul ins(%x2, %w : ...) outs(%acc : tensor<32x16xf32>) -> tensor<32x16xf32>
    After: unchanged (MLIR's pass: a 4-loop linalg.generic on %x).
  }];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
  let options = [
    Option<"siblingReductions", "sibling-reductions", "bool", /*default=*/"false",
           "Prepare sibling reductions for --grad-merge-sibling-reductions: an elementwise "
           "producer read only by reductions over the same loops is fused into each of them, "
           "and the expand_shape after a keepdim reduction stays outside it">,
  ];
}

def GradMergeSiblingReductions : Pass<"grad-merge-sibling-reductions", "mlir::func::FuncOp"> {
  let summary = "Merge reductions over the same loops that share an input into one linalg.generic";
  let description = [{
    Two linalg.generic ops with reduction loops, equal static loop ranges and iterator types,
    at least one input value in common and no path from one to the other become one generic
    with the results of both (multi-output fusion of sibling reductions, as XLA and IREE do);
    CSE afterwards computes the shared part of the bodies once. Runs after
    --grad-fuse-elementwise, which fuses an elementwise producer into every sibling reduction
    that reads it.

    Before:
      %s = linalg.generic {reduction over d1} ins(%x : tensor<4x8xf32>) outs(%z : tensor<4xf32>)
      %q = linalg.generic {reduction over d1} ins(%x, %g : ...) outs(%z : tensor<4xf32>)
    After:
      %r:2 = linalg.generic {reduction over d1} ins(%x, %x, %g : ...) outs(%z, %z : ...)
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
  let statistics = [
    Statistic<"numMerged", "num-merged", "Number of pairs of reductions merged">,
  ];
}

#endif // GRAD_CONVERSION_PASSES
