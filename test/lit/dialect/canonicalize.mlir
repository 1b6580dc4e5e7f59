// Canonicalization: each exact identity and composition pattern, and the identities that are
// NOT exact in floating point (they must stay). See docs/dialect.md for the list.
// RUN: grad-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @mul_by_one
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: grad.mul
// CHECK: return %[[X]], %[[X]]
func.func @mul_by_one(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %one = grad.constant dense<1.0> : tensor<4xf32>
  %0 = grad.mul %x, %one : tensor<4xf32>
  %1 = grad.mul %one, %x : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// x + (-0.0) = x for every x, including x = +0.0 (+0 + -0 = +0).
// CHECK-LABEL: func.func @add_negative_zero
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: grad.add
// CHECK: return %[[X]]
func.func @add_negative_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %nz = grad.constant dense<-0.0> : tensor<4xf32>
  %0 = grad.add %x, %nz : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// x + (+0.0) is NOT x: for x = -0.0 it gives +0.0. Must stay.
// CHECK-LABEL: func.func @add_positive_zero_stays
// CHECK: %[[Z:.+]] = grad.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK: %[[R:.+]] = grad.add %{{.*}}, %[[Z]] : tensor<4xf32>
// CHECK: return %[[R]]
func.func @add_positive_zero_stays(%x: tensor<4xf32>) -> tensor<4xf32> {
  %z = grad.constant dense<0.0> : tensor<4xf32>
  %0 = grad.add %x, %z : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// x - (+0.0) = x (-0 - +0 = -0).
// CHECK-LABEL: func.func @sub_positive_zero
// CHECK-SAME: (%[[X:.+]]: tensor<4xf64>)
// CHECK-NOT: grad.sub
// CHECK: return %[[X]]
func.func @sub_positive_zero(%x: tensor<4xf64>) -> tensor<4xf64> {
  %z = grad.constant dense<0.0> : tensor<4xf64>
  %0 = grad.sub %x, %z : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// x - (-0.0) = x + 0.0: NOT x for x = -0.0. Must stay.
// CHECK-LABEL: func.func @sub_negative_zero_stays
// CHECK: grad.sub
func.func @sub_negative_zero_stays(%x: tensor<4xf64>) -> tensor<4xf64> {
  %nz = grad.constant dense<-0.0> : tensor<4xf64>
  %0 = grad.sub %x, %nz : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// x * 0 is NOT 0 (NaN * 0 = NaN, inf * 0 = NaN, -1 * 0 = -0); x - x is NOT 0 (inf - inf = NaN);
// x / x is NOT 1 (0 / 0 = NaN). All must stay.
// CHECK-LABEL: func.func @float_annihilators_stay
// CHECK: grad.mul
// CHECK: grad.sub
// CHECK: grad.div
func.func @float_annihilators_stay(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %z = grad.constant dense<0.0> : tensor<4xf32>
  %0 = grad.mul %x, %z : tensor<4xf32>
  %1 = grad.sub %x, %x : tensor<4xf32>
  %2 = grad.div %x, %x : tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @div_by_one
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: grad.div
// CHECK: return %[[X]]
func.func @div_by_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %one = grad.constant dense<1.0> : tensor<4xf32>
  %0 = grad.div %x, %one : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Integers: x + 0 = x and x * 1 = x exactly; x - 0 = x.
// CHECK-LABEL: func.func @integer_identities
// CHECK-SAME: (%[[X:.+]]: tensor<3xi64>)
// CHECK-NOT: grad.add
// CHECK-NOT: grad.mul
// CHECK-NOT: grad.sub
// CHECK: return %[[X]], %[[X]], %[[X]]
func.func @integer_identities(%x: tensor<3xi64>) -> (tensor<3xi64>, tensor<3xi64>, tensor<3xi64>) {
  %zero = grad.constant dense<0> : tensor<3xi64>
  %one = grad.constant dense<1> : tensor<3xi64>
  %0 = grad.add %zero, %x : tensor<3xi64>
  %1 = grad.mul %x, %one : tensor<3xi64>
  %2 = grad.sub %x, %zero : tensor<3xi64>
  return %0, %1, %2 : tensor<3xi64>, tensor<3xi64>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @neg_neg
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: grad.neg
// CHECK: return %[[X]]
func.func @neg_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = grad.neg %x : tensor<4xf32>
  %1 = grad.neg %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// maximum(x, x) = minimum(x, x) = x (NaN stays NaN); pow(x, 1) = x.
// CHECK-LABEL: func.func @idempotent
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: grad.maximum
// CHECK-NOT: grad.minimum
// CHECK-NOT: grad.pow
// CHECK: return %[[X]], %[[X]], %[[X]]
func.func @idempotent(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %one = grad.constant dense<1.0> : tensor<4xf32>
  %0 = grad.maximum %x, %x : tensor<4xf32>
  %1 = grad.minimum %x, %x : tensor<4xf32>
  %2 = grad.pow %x, %one : tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// SimplifyRedundantTranspose: the composed permutation is the identity.
// CHECK-LABEL: func.func @transpose_transpose_identity
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NOT: grad.transpose
// CHECK: return %[[X]]
func.func @transpose_transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = grad.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %1 = grad.transpose %0 {perm = array<i64: 1, 0>} : tensor<3x2xf32> -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// SimplifyRedundantTranspose: [1,2,0] after [1,2,0] is [2,0,1].
// CHECK-LABEL: func.func @transpose_transpose_compose
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.+]] = grad.transpose %[[X]] {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_transpose_compose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = grad.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %1 = grad.transpose %0 {perm = array<i64: 1, 2, 0>} : tensor<3x4x2xf32> -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity_perm
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_identity_perm(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = grad.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// ReshapeOfReshape (DRR).
// CHECK-LABEL: func.func @reshape_reshape
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.+]] = grad.reshape %[[X]] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_reshape(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = grad.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %1 = grad.reshape %0 : tensor<6xf32> -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// A reshape back to the original type disappears (ReshapeOfReshape, then the same-type fold).
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = grad.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %1 = grad.reshape %0 : tensor<6xf32> -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// FoldBroadcastOfBroadcast: [3] -> [2,3] (dims [1]) -> [4,2,3] (dims [1,2]) is dims [2].
// CHECK-LABEL: func.func @broadcast_broadcast
// CHECK-SAME: (%[[X:.+]]: tensor<3xf32>)
// CHECK-NEXT: %[[B:.+]] = grad.broadcast %[[X]] {dims = array<i64: 2>} : tensor<3xf32> -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[B]]
func.func @broadcast_broadcast(%x: tensor<3xf32>) -> tensor<4x2x3xf32> {
  %0 = grad.broadcast %x {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  %1 = grad.broadcast %0 {dims = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_same_type
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @broadcast_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = grad.broadcast %x {dims = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_splat
// CHECK-NEXT: %[[C:.+]] = grad.constant dense<2.500000e+00> : tensor<5x4xf32>
// CHECK-NEXT: return %[[C]]
func.func @broadcast_splat() -> tensor<5x4xf32> {
  %c = grad.constant dense<2.5> : tensor<4xf32>
  %0 = grad.broadcast %c {dims = array<i64: 1>} : tensor<4xf32> -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// CHECK-LABEL: func.func @select_splat_condition
// CHECK-SAME: (%[[A:[^:]+]]: tensor<3xf32>, %[[B:[^:]+]]: tensor<3xf32>,
// CHECK-NOT: grad.select
// CHECK: return %[[A]], %[[B]], %[[A]]
func.func @select_splat_condition(%a: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xi1>)
    -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %t = grad.constant dense<true> : tensor<3xi1>
  %f = grad.constant dense<false> : tensor<3xi1>
  %0 = grad.select %t, %a, %b : tensor<3xi1>, tensor<3xf32>
  %1 = grad.select %f, %a, %b : tensor<3xi1>, tensor<3xf32>
  %2 = grad.select %m, %a, %a : tensor<3xi1>, tensor<3xf32>
  return %0, %1, %2 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Identity shape ops: same-type convert, full slice, one-input concat, 0-d reduction.
// CHECK-LABEL: func.func @identity_shape_ops
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3xf32>, %[[S:[^:]+]]: tensor<f32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[S]]
func.func @identity_shape_ops(%x: tensor<2x3xf32>, %s: tensor<f32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<f32>) {
  %0 = grad.convert %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = grad.slice %x {starts = array<i64: 0, 0>, limits = array<i64: 2, 3>, strides = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = grad.concat %x {axis = 1 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = grad.sum %s {axes = array<i64>} : tensor<f32> -> tensor<f32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<f32>
}

// -----

// A strided slice that keeps the shape only when every stride takes every element: here the
// stride 2 on a dim of size 3 gives 2 elements, so the slice stays.
// CHECK-LABEL: func.func @strided_slice_stays
// CHECK: grad.slice
func.func @strided_slice_stays(%x: tensor<3xf32>) -> tensor<2xf32> {
  %0 = grad.slice %x {starts = array<i64: 0>, limits = array<i64: 3>, strides = array<i64: 2>} : tensor<3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
