// --grad-factor-reductions: a sum (or mean) is distributed over the terms of its operand when a
// factor constant along the reduced axes comes out of one of them; the result equals the
// original up to reassociation (checked with the reference interpreter at the end).
// RUN: grad-opt %s --grad-factor-reductions --cse --split-input-file | FileCheck %s

// The layer_norm backward's shape: sum(a * bcast(s) + c) over rows, keepdim.
// CHECK-LABEL: func.func @keepdim
// CHECK-SAME:    (%[[A:.+]]: tensor<4x8xf32>, %[[C:.+]]: tensor<4x8xf32>, %[[S:.+]]: tensor<4x1xf32>)
// CHECK:         %[[SA:.+]] = grad.sum %[[A]] {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
// CHECK:         %[[M:.+]] = grad.mul %[[SA]], %[[S]] : tensor<4x1xf32>
// CHECK:         %[[SC:.+]] = grad.sum %[[C]] {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
// CHECK:         %[[R:.+]] = grad.add %[[M]], %[[SC]] : tensor<4x1xf32>
// CHECK-NOT:     grad.broadcast
// CHECK:         return %[[R]]
func.func @keepdim(%a: tensor<4x8xf32>, %c: tensor<4x8xf32>, %s: tensor<4x1xf32>) -> tensor<4x1xf32> {
  %b = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x8xf32>
  %m = grad.mul %a, %b : tensor<4x8xf32>
  %t = grad.add %m, %c : tensor<4x8xf32>
  %r = grad.sum %t {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
  return %r : tensor<4x1xf32>
}

// -----
// Without keepdim: the size-1 dim of s that lands on the reduced axis is reshaped away. The
// factor is an expression (bcast(s) / 8): it is rebuilt at the reduced shape. Signs follow
// sub and neg.
// CHECK-LABEL: func.func @no_keepdim
// CHECK-SAME:    (%[[A:.+]]: tensor<4x8xf32>, %[[C:.+]]: tensor<4x8xf32>, %[[S:.+]]: tensor<4x1xf32>)
// CHECK-DAG:     %[[SA:.+]] = grad.sum %[[A]] {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
// CHECK-DAG:     %[[SC:.+]] = grad.sum %[[C]] {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
// CHECK-DAG:     %[[R:.+]] = grad.reshape %[[S]] : tensor<4x1xf32> -> tensor<4xf32>
// CHECK-DAG:     %[[K:.+]] = grad.constant dense<8.000000e+00> : tensor<4xf32>
// CHECK:         %[[F:.+]] = grad.div %[[R]], %[[K]] : tensor<4xf32>
// CHECK:         %[[M:.+]] = grad.mul %[[SA]], %[[F]] : tensor<4xf32>
// CHECK:         %[[D:.+]] = grad.sub %[[SC]], %[[M]] : tensor<4xf32>
// CHECK:         return %[[D]]
func.func @no_keepdim(%a: tensor<4x8xf32>, %c: tensor<4x8xf32>, %s: tensor<4x1xf32>) -> tensor<4xf32> {
  %b = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x8xf32>
  %k = grad.constant dense<8.0> : tensor<4x8xf32>
  %f = grad.div %b, %k : tensor<4x8xf32>
  %m = grad.mul %f, %a : tensor<4x8xf32>
  %n = grad.neg %m : tensor<4x8xf32>
  %t = grad.add %c, %n : tensor<4x8xf32>
  %r = grad.sum %t {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----
// A mean over the leading axis, the factor broadcast along it (a per-column scale): the factor
// at the reduced shape is the broadcast's operand. A term used twice is reduced once.
// CHECK-LABEL: func.func @mean_columns
// CHECK-SAME:    (%[[A:.+]]: tensor<4x8xf32>, %[[V:.+]]: tensor<8xf32>)
// CHECK:         %[[MA:.+]] = grad.mean %[[A]] {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
// CHECK-NOT:     grad.mean
// CHECK:         %[[M:.+]] = grad.mul %[[MA]], %[[V]] : tensor<8xf32>
// CHECK:         %[[R:.+]] = grad.add %[[M]], %[[M]] : tensor<8xf32>
// CHECK:         return %[[R]]
func.func @mean_columns(%a: tensor<4x8xf32>, %v: tensor<8xf32>) -> tensor<8xf32> {
  %b = grad.broadcast %v {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
  %m = grad.mul %a, %b : tensor<4x8xf32>
  %t = grad.add %m, %m : tensor<4x8xf32>
  %r = grad.mean %t {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----
// Nothing comes out: the broadcast repeats along axis 0 but varies along the reduced axis 1.
// Left as it is.
// CHECK-LABEL: func.func @unchanged
// CHECK:         %[[T:.+]] = grad.add
// CHECK-NEXT:    %[[R:.+]] = grad.sum %[[T]] {axes = array<i64: 1>}
// CHECK-NEXT:    return %[[R]]
func.func @unchanged(%a: tensor<4x8xf32>, %c: tensor<4x8xf32>, %v: tensor<8xf32>) -> tensor<4xf32> {
  %b = grad.broadcast %v {dims = array<i64: 1>} : tensor<8xf32> -> tensor<4x8xf32>
  %m = grad.mul %a, %b : tensor<4x8xf32>
  %t = grad.add %m, %c : tensor<4x8xf32>
  %r = grad.sum %t {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----
// Two factors on one term (s and the splat 0.5), both pulled out.
// CHECK-LABEL: func.func @two_factors
// CHECK-SAME:    (%[[A:.+]]: tensor<4x8xf32>, %[[S:.+]]: tensor<4x1xf32>)
// CHECK:         %[[SA:.+]] = grad.sum %[[A]] {axes = array<i64: 1>, keepdim = true}
// CHECK:         %[[M1:.+]] = grad.mul %[[SA]], %[[S]]
// CHECK:         %[[H:.+]] = grad.constant dense<5.000000e-01> : tensor<4x1xf32>
// CHECK:         %[[M2:.+]] = grad.mul %[[M1]], %[[H]]
// CHECK:         return %[[M2]]
func.func @two_factors(%a: tensor<4x8xf32>, %s: tensor<4x1xf32>) -> tensor<4x1xf32> {
  %b = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x8xf32>
  %h = grad.constant dense<0.5> : tensor<4x8xf32>
  %m = grad.mul %a, %b : tensor<4x8xf32>
  %n = grad.mul %m, %h : tensor<4x8xf32>
  %r = grad.sum %n {axes = array<i64: 1>, keepdim = true} : tensor<4x8xf32> -> tensor<4x1xf32>
  return %r : tensor<4x1xf32>
}
