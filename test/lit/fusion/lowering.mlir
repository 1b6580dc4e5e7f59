// How regions lower on CPU: grad-lower-to-linalg inlines each body and
// linalg-fuse-elementwise-ops merges it back. An elementwise or reduction region becomes ONE
// linalg.generic (one loop nest); a matmul region becomes linalg.matmul + ONE generic for the
// whole epilogue (the epilogue is not fused into the matmul's loops).
// RUN: grad-opt %s --grad-fuse --grad-lower-to-linalg --canonicalize --linalg-fuse-elementwise-ops --canonicalize --cse --split-input-file | FileCheck %s

// Softmax: three regions (reduction.mlir) -> max, sum of exp(x - max), exp(x - max) / sum:
// three loop nests, none of them writes exp(x - max) to memory.
// CHECK-LABEL: func.func @softmax
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = grad.max %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %mb = grad.broadcast %m {dims = array<i64: 0>} : tensor<4xf32> -> tensor<4x8xf32>
  %d = grad.sub %x, %mb : tensor<4x8xf32>
  %e = grad.exp %d : tensor<4x8xf32>
  %s = grad.sum %e {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %sb = grad.broadcast %s {dims = array<i64: 0>} : tensor<4xf32> -> tensor<4x8xf32>
  %r = grad.div %e, %sb : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// gelu(x @ w + b): the matmul, then one generic doing bias add + gelu.
// CHECK-LABEL: func.func @dense_gelu
// CHECK:         linalg.matmul
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @dense_gelu(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %m = grad.matmul %x, %w : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<16xf32> -> tensor<4x16xf32>
  %s = grad.add %m, %bb : tensor<4x16xf32>
  %g = grad.gelu %s : tensor<4x16xf32>
  return %g : tensor<4x16xf32>
}

// -----

// A chain that ends in a sum over rows: one generic with a reduction iterator.
// CHECK-LABEL: func.func @chain_sum
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @chain_sum(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4xf32> {
  %e = grad.exp %x : tensor<4x8xf32>
  %m = grad.mul %e, %y : tensor<4x8xf32>
  %t = grad.tanh %m : tensor<4x8xf32>
  %s = grad.sum %t {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  return %s : tensor<4xf32>
}
