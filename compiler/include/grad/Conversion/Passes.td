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
    grad.gather a linalg.generic with tensor.extract, grad.fusion is inlined.
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
                           "mlir::math::MathDialect", "mlir::tensor::TensorDialect"];
}

#endif // GRAD_CONVERSION_PASSES
