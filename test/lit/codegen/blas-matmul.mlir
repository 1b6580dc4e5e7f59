// RUN: grad-opt %s --split-input-file --grad-fold-matmul-transposes | FileCheck %s
// RUN: grad-opt %s --split-input-file --grad-lower-to-llvm=blas-matmul=1 | FileCheck %s --check-prefix=LLVM
// RUN: grad-opt %s --split-input-file --grad-split-matmul-fills | FileCheck %s --check-prefix=SPLIT
// RUN: grad-opt %s --split-input-file --grad-matmul-to-blas --canonicalize | FileCheck %s --check-prefix=BUF

// The BLAS matmul lowering: transposes fold into matmul_transpose_a/_b, which
// become grad_gemm_f32/f64 calls with the transpose flags (111 = no, 112 = transposed).

// CHECK-LABEL: func.func @operand_a
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul_transpose_a ins(%arg0, %arg1 : tensor<7x5xf32>, tensor<7x3xf32>)
// LLVM-LABEL: llvm.func @operand_a
// LLVM-DAG: %[[T:.*]] = llvm.mlir.constant(112 : i32)
// LLVM-DAG: %[[N:.*]] = llvm.mlir.constant(111 : i32)
// LLVM: llvm.call @grad_gemm_f32(%{{.*}}, %[[T]], %[[N]],
// LLVM-NOT: llvm.call @grad_gemm_f32
func.func @operand_a(%a: tensor<7x5xf32>, %b: tensor<7x3xf32>) -> tensor<5x3xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x7xf32>
  %t = linalg.transpose ins(%a : tensor<7x5xf32>) outs(%e : tensor<5x7xf32>) permutation = [1, 0]
  %ec = tensor.empty() : tensor<5x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%ec : tensor<5x3xf32>) -> tensor<5x3xf32>
  %r = linalg.matmul ins(%t, %b : tensor<5x7xf32>, tensor<7x3xf32>) outs(%f : tensor<5x3xf32>) -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// CHECK-LABEL: func.func @operand_b
// CHECK: linalg.matmul_transpose_b ins(%arg0, %arg1 : tensor<5x7xf64>, tensor<3x7xf64>)
// LLVM-LABEL: llvm.func @operand_b
// LLVM: llvm.call @grad_gemm_f64
func.func @operand_b(%a: tensor<5x7xf64>, %b: tensor<3x7xf64>) -> tensor<5x3xf64> {
  %z = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<7x3xf64>
  %t = linalg.transpose ins(%b : tensor<3x7xf64>) outs(%e : tensor<7x3xf64>) permutation = [1, 0]
  %ec = tensor.empty() : tensor<5x3xf64>
  %f = linalg.fill ins(%z : f64) outs(%ec : tensor<5x3xf64>) -> tensor<5x3xf64>
  %r = linalg.matmul ins(%a, %t : tensor<5x7xf64>, tensor<7x3xf64>) outs(%f : tensor<5x3xf64>) -> tensor<5x3xf64>
  return %r : tensor<5x3xf64>
}

// -----

// (a^T b)^T = b^T a: the weight-gradient pattern needs no transpose at all.
// CHECK-LABEL: func.func @result
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul_transpose_a ins(%arg1, %arg0 : tensor<7x3xf32>, tensor<7x5xf32>) outs(%{{.*}} : tensor<3x5xf32>)
// LLVM-LABEL: llvm.func @result
// LLVM: llvm.call @grad_gemm_f32
// LLVM-NOT: llvm.call @grad_gemm_f32
func.func @result(%a: tensor<7x5xf32>, %b: tensor<7x3xf32>) -> tensor<3x5xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x7xf32>
  %t = linalg.transpose ins(%a : tensor<7x5xf32>) outs(%e : tensor<5x7xf32>) permutation = [1, 0]
  %ec = tensor.empty() : tensor<5x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%ec : tensor<5x3xf32>) -> tensor<5x3xf32>
  %r = linalg.matmul ins(%t, %b : tensor<5x7xf32>, tensor<7x3xf32>) outs(%f : tensor<5x3xf32>) -> tensor<5x3xf32>
  %e2 = tensor.empty() : tensor<3x5xf32>
  %rt = linalg.transpose ins(%r : tensor<5x3xf32>) outs(%e2 : tensor<3x5xf32>) permutation = [1, 0]
  return %rt : tensor<3x5xf32>
}

// -----

// A non-zero accumulator: the result transpose cannot swap the operands.
// CHECK-LABEL: func.func @nonzero_init
// CHECK: linalg.matmul_transpose_a ins(%arg0, %arg1
// CHECK: linalg.transpose
// LLVM-LABEL: llvm.func @nonzero_init
// LLVM: llvm.call @grad_gemm_f32
func.func @nonzero_init(%a: tensor<7x5xf32>, %b: tensor<7x3xf32>, %c: tensor<5x3xf32>) -> tensor<3x5xf32> {
  %e = tensor.empty() : tensor<5x7xf32>
  %t = linalg.transpose ins(%a : tensor<7x5xf32>) outs(%e : tensor<5x7xf32>) permutation = [1, 0]
  %r = linalg.matmul ins(%t, %b : tensor<5x7xf32>, tensor<7x3xf32>) outs(%c : tensor<5x3xf32>) -> tensor<5x3xf32>
  %e2 = tensor.empty() : tensor<3x5xf32>
  %rt = linalg.transpose ins(%r : tensor<5x3xf32>) outs(%e2 : tensor<3x5xf32>) permutation = [1, 0]
  return %rt : tensor<3x5xf32>
}

// -----

// Integer matmuls are not BLAS calls (loops).
// LLVM-LABEL: llvm.func @integer
// LLVM-NOT: llvm.call @cblas
func.func @integer(%a: tensor<5x7xi64>, %b: tensor<7x3xi64>, %c: tensor<5x3xi64>) -> tensor<5x3xi64> {
  %r = linalg.matmul ins(%a, %b : tensor<5x7xi64>, tensor<7x3xi64>) outs(%c : tensor<5x3xi64>) -> tensor<5x3xi64>
  return %r : tensor<5x3xi64>
}

// -----

// CSE gave two matmuls one zero fill: each gets its own (filled in place, not copied).
// CHECK-LABEL: func.func @shared_fill
// SPLIT-LABEL: func.func @shared_fill
// LLVM-LABEL: llvm.func @shared_fill
// LLVM-NOT: memcpy
// LLVM-COUNT-2: llvm.call @grad_gemm_f32
// SPLIT: %[[F1:.*]] = linalg.fill
// SPLIT: %[[F2:.*]] = linalg.fill
// SPLIT: linalg.matmul ins(%arg0, %arg1 {{.*}} outs(%[[F2]]
// SPLIT: linalg.matmul ins(%arg1, %arg0 {{.*}} outs(%[[F1]]
func.func @shared_fill(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %r1 = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  %r2 = linalg.matmul ins(%b, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r1, %r2 : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// On buffers: a zero fill right before the matmul becomes beta = 0; without one, beta = 1.
// BUF-LABEL: func.func @beta
// LLVM-LABEL: llvm.func @beta
// BUF-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// BUF-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// BUF-NOT: linalg.fill
// BUF: call @grad_gemm_f32({{.*}}, %[[ZERO]], %{{[^,]*}}, %{{[^,]*}}) :
// BUF: call @grad_gemm_f32({{.*}}, %[[ONE]], %{{[^,]*}}, %{{[^,]*}}) :
func.func @beta(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<4x4xf32>, %d: memref<4x4xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<4x4xf32>)
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%d : memref<4x4xf32>)
  return
}
