// RUN: grad-opt %s --split-input-file --grad-lower-to-linalg --grad-fuse-elementwise --canonicalize --grad-fold-matmul-transposes | FileCheck %s
// RUN: grad-opt %s --split-input-file --grad-lower-to-llvm=blas-matmul=1 -o /dev/null --mlir-print-ir-after=grad-matmul-to-blas 2>&1 | FileCheck %s --check-prefix=BUF
// RUN: grad-opt %s --split-input-file --grad-lower-to-llvm=blas-matmul=1 | FileCheck %s --check-prefix=LLVM

// The matmul forms of a transformer under the BLAS lowering: reshapes stay views around a
// 2-D linalg.matmul (grad-fuse-elementwise does not push them into it), transposes and
// permutations become indexing maps (grad-fold-matmul-transposes), and each contraction is
// one grad_gemm_f32 call site, in scf.for loops over its batch dims (grad-matmul-to-blas):
// flags 111 = no transpose, 112 = transposed; lda/ldb/ldc are the memref strides.

// A Linear on [B, T, D] activations: collapse, 2-D matmul, expand (not a 4-loop generic).
// CHECK-LABEL: func.func @linear
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]]
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul ins(%[[X]], %arg1 : tensor<32x16xf32>, tensor<16x24xf32>)
// CHECK: tensor.expand_shape
// BUF-LABEL: func.func @linear
// BUF-NOT: linalg.
// BUF: call @grad_gemm_f32
// LLVM-LABEL: llvm.func @linear
// LLVM-COUNT-1: llvm.call @grad_gemm_f32
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @_mlir_ciface_linear
func.func @linear(%x: tensor<4x8x16xf32>, %w: tensor<16x24xf32>) -> tensor<4x8x24xf32> {
  %x2 = grad.reshape %x : tensor<4x8x16xf32> -> tensor<32x16xf32>
  %y = grad.matmul %x2, %w : tensor<32x16xf32>, tensor<16x24xf32> -> tensor<32x24xf32>
  %y3 = grad.reshape %y : tensor<32x24xf32> -> tensor<4x8x24xf32>
  %r = grad.neg %y3 : tensor<4x8x24xf32>
  return %r : tensor<4x8x24xf32>
}

// -----

// Its weight gradient x^T g: the transpose of the reshaped activations is BLAS's flag.
// CHECK-LABEL: func.func @weight_gradient
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul_transpose_a ins(%{{.*}}, %{{.*}} : tensor<32x16xf32>, tensor<32x24xf32>)
// BUF-LABEL: func.func @weight_gradient
// BUF-NOT: linalg.
// BUF: %[[T:.*]] = arith.constant 112 : i32
// BUF: %[[N:.*]] = arith.constant 111 : i32
// BUF: call @grad_gemm_f32(%{{.*}}, %[[T]], %[[N]],
// LLVM-LABEL: llvm.func @weight_gradient
// LLVM-COUNT-1: llvm.call @grad_gemm_f32
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @_mlir_ciface_weight_gradient
func.func @weight_gradient(%x: tensor<4x8x16xf32>, %g: tensor<4x8x24xf32>) -> tensor<16x24xf32> {
  %x2 = grad.reshape %x : tensor<4x8x16xf32> -> tensor<32x16xf32>
  %g2 = grad.reshape %g : tensor<4x8x24xf32> -> tensor<32x24xf32>
  %xt = grad.transpose %x2 {perm = array<i64: 1, 0>} : tensor<32x16xf32> -> tensor<16x32xf32>
  %r = grad.matmul %xt, %g2 : tensor<16x32xf32>, tensor<32x24xf32> -> tensor<16x24xf32>
  return %r : tensor<16x24xf32>
}

// -----

// q @ k^T on [B, T, H, D] projections: the heads permutation [0, 2, 1, 3] of both and k's
// [0, 1, 3, 2] become the operands' maps on the unpermuted inputs; the two batch dims are
// loops, the head offset (16 elements) and the row stride (H * D = 64) go into the call.
// CHECK: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
// CHECK: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>
// CHECK: #[[S:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @attention_scores
// CHECK-NOT: linalg.transpose
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<2x8x4x16xf32>, tensor<2x8x4x16xf32>) outs(%{{.*}} : tensor<2x4x8x8xf32>)
// BUF-LABEL: func.func @attention_scores
// BUF-NOT: linalg.
// BUF-NOT: memref.copy
// Small gemms (8 x 8 x 16): the batch loops are one scf.forall (Note [Parallel batches of small
// gemms]).
// BUF: scf.forall (%[[B:.*]], %[[H:.*]]) in (2, 4)
// BUF: arith.muli %[[B]], %c512
// BUF: arith.muli %[[H]], %c16
// BUF: call @grad_gemm_f32(%c101_i32, %c111_i32, %c112_i32, %c8_i32, %c8_i32{{.*}}, %c16_i32, %{{.*}}, %{{.*}}, %c64_i32{{.*}}, %{{.*}}, %c64_i32{{.*}}, %{{.*}}, %{{.*}}, %c8_i32{{.*}})
// BUF-NOT: linalg.
// BUF: return
// The batch loops around the gemm are a loop nest: outlined (grad-outline-kernels).
// LLVM-LABEL: llvm.func internal @attention_scores_k{{[0-9]+}}(
// LLVM-COUNT-1: llvm.call @grad_gemm_f32
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @attention_scores(
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @_mlir_ciface_attention_scores
func.func @attention_scores(%q: tensor<2x8x4x16xf32>, %k: tensor<2x8x4x16xf32>) -> tensor<2x4x8x8xf32> {
  %qh = grad.transpose %q {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
  %kh = grad.transpose %k {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
  %kt = grad.transpose %kh {perm = array<i64: 0, 1, 3, 2>} : tensor<2x4x8x16xf32> -> tensor<2x4x16x8xf32>
  %s = grad.matmul %qh, %kt : tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32> -> tensor<2x4x8x8xf32>
  return %s : tensor<2x4x8x8xf32>
}

// -----

// att @ v, permuted back to [B, T, H, D] and merged to [B, T, H * D]: the permutation is the
// result's map, so the gemm writes each head's [T, D] block in place (ldc = H * D = 64) and the
// merge is a view.
// CHECK: #[[ATT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK: #[[V:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1, d3)>
// CHECK: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3)>
// CHECK-LABEL: func.func @attention_output
// CHECK-NOT: linalg.transpose
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[ATT]], #[[V]], #[[O]]], {{.*}}outs(%{{.*}} : tensor<2x8x4x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[P]] : tensor<2x8x4x16xf32>)
// CHECK: tensor.collapse_shape {{.*}} {{\[}}[0], [1], [2, 3]] : tensor<2x8x4x16xf32> into tensor<2x8x64xf32>
// BUF-LABEL: func.func @attention_output
// BUF: scf.forall ({{.*}}) in (2, 4)
// BUF: call @grad_gemm_f32(%c101_i32, %c111_i32, %c111_i32{{.*}}, %c8_i32, %c16_i32, %c8_i32{{.*}}, %{{.*}}, %{{.*}}, %c8_i32{{.*}}, %{{.*}}, %c64_i32, %{{.*}}, %{{.*}}, %c64_i32{{.*}})
// The batch loops around the gemm are a loop nest: outlined (grad-outline-kernels).
// LLVM-LABEL: llvm.func internal @attention_output_k{{[0-9]+}}(
// LLVM-COUNT-1: llvm.call @grad_gemm_f32
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @attention_output(
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @_mlir_ciface_attention_output
func.func @attention_output(%att: tensor<2x4x8x8xf32>, %v: tensor<2x8x4x16xf32>) -> tensor<2x8x64xf32> {
  %vh = grad.transpose %v {perm = array<i64: 0, 2, 1, 3>} : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
  %o = grad.matmul %att, %vh : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  %ot = grad.transpose %o {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x8x16xf32> -> tensor<2x8x4x16xf32>
  %r = grad.reshape %ot : tensor<2x8x4x16xf32> -> tensor<2x8x64xf32>
  %n = grad.neg %r : tensor<2x8x64xf32>
  return %n : tensor<2x8x64xf32>
}

// -----

// The permuted operand's innermost dim is the batch dim: BLAS cannot read it with a leading
// dimension, so the transpose stays (a copy) and the batch_matmul on the copy is the gemm.
// CHECK-LABEL: func.func @batch_innermost
// CHECK: linalg.transpose
// CHECK: linalg.batch_matmul
// The batch loops around the gemm are a loop nest: outlined (grad-outline-kernels).
// LLVM-LABEL: llvm.func internal @batch_innermost_k{{[0-9]+}}(
// LLVM-COUNT-1: llvm.call @grad_gemm_f32
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @batch_innermost(
// LLVM-NOT: llvm.call @grad_gemm_f32
// LLVM-LABEL: llvm.func @_mlir_ciface_batch_innermost
func.func @batch_innermost(%a: tensor<5x7x3xf32>, %b: tensor<3x7x4xf32>) -> tensor<3x5x4xf32> {
  %ap = grad.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<5x7x3xf32> -> tensor<3x5x7xf32>
  %r = grad.matmul %ap, %b : tensor<3x5x7xf32>, tensor<3x7x4xf32> -> tensor<3x5x4xf32>
  return %r : tensor<3x5x4xf32>
}

// -----

// The same attention products with `?` batch and sequence dims ([B, T, H, D], H and D static):
// the permutations still become the operands' and the result's maps (at most one `?` batch dim,
// so equal collapsed batches make the batch dims equal), no transpose is copied, and the
// batch loops (scf.for: grad-parallelize skips `?` loops) call the gemm with run-time sizes.
// CHECK-LABEL: func.func @attention_dynamic
// CHECK-NOT: linalg.transpose
// CHECK: %[[SC:.*]] = linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>) outs(%{{.*}} : tensor<?x4x?x?xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {{.*}} ins(%[[SC]], %arg2 : tensor<?x4x?x?xf32>, tensor<?x?x4x16xf32>) outs(%{{.*}} : tensor<?x?x4x16xf32>)
// CHECK-NOT: linalg.transpose
// BUF-LABEL: func.func @attention_dynamic
// BUF-NOT: linalg.
// BUF-NOT: memref.copy
// BUF: scf.for
// BUF: scf.for
// BUF: call @grad_gemm_f32(%c101_i32, %c111_i32, %c112_i32
// BUF-NOT: linalg.
// BUF-NOT: memref.copy
// BUF: scf.for
// BUF: scf.for
// BUF: call @grad_gemm_f32(%c101_i32, %c111_i32, %c111_i32
// BUF-NOT: memref.copy
// BUF: return
func.func @attention_dynamic(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>) -> tensor<?x?x4x16xf32> {
  %qh = grad.transpose %q {perm = array<i64: 0, 2, 1, 3>} : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  %kh = grad.transpose %k {perm = array<i64: 0, 2, 1, 3>} : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  %kt = grad.transpose %kh {perm = array<i64: 0, 1, 3, 2>} : tensor<?x4x?x16xf32> -> tensor<?x4x16x?xf32>
  %s = grad.matmul %qh, %kt : tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32> -> tensor<?x4x?x?xf32>
  %vh = grad.transpose %v {perm = array<i64: 0, 2, 1, 3>} : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  %o = grad.matmul %s, %vh : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
  %ot = grad.transpose %o {perm = array<i64: 0, 2, 1, 3>} : tensor<?x4x?x16xf32> -> tensor<?x?x4x16xf32>
  return %ot : tensor<?x?x4x16xf32>
}
