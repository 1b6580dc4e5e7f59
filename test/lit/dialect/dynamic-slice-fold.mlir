// Folding slices and concats with `?` dims: a slice that keeps every `?` dim whole (start 0,
// stride 1, the limit `?`) is its operand; one that starts later or strides keeps its type but
// not its values, so it stays; a concat with a `?` piece is never folded to a constant.
// RUN: grad-opt %s --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @whole
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @whole(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = grad.slice %x {starts = array<i64: 0, 0>, limits = array<i64: -9223372036854775808, 4>, strides = array<i64: 1, 1>} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @not_whole
// CHECK: grad.slice %{{.*}} {limits = array<i64: -9223372036854775808, 4>, starts = array<i64: 1, 0>
// CHECK: grad.slice %{{.*}} {limits = array<i64: -9223372036854775808, 4>, starts = array<i64: 0, 0>, strides = array<i64: 2, 1>}
func.func @not_whole(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = grad.slice %x {starts = array<i64: 1, 0>, limits = array<i64: -9223372036854775808, 4>, strides = array<i64: 1, 1>} : tensor<?x4xf32> -> tensor<?x4xf32>
  %1 = grad.slice %x {starts = array<i64: 0, 0>, limits = array<i64: -9223372036854775808, 4>, strides = array<i64: 2, 1>} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0, %1 : tensor<?x4xf32>, tensor<?x4xf32>
}

// CHECK-LABEL: func.func @concat_with_a_constant
// CHECK: grad.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<2x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
func.func @concat_with_a_constant(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c = grad.constant dense<1.0> : tensor<2x4xf32>
  %0 = grad.concat %c, %x {axis = 0 : i64} : tensor<2x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
