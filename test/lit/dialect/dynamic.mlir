// Ops on tensors with dynamic dims (`?`, sizes known at run time): the verifier takes them and
// the shape rules carry `?` through (Note [Dynamic dims] in ShapeInference.h). Round trip through
// the pretty and the generic form.
// RUN: grad-opt %s | grad-opt | FileCheck %s
// RUN: grad-opt %s --mlir-print-op-generic | grad-opt | FileCheck %s

// CHECK-LABEL: func.func @mlp_rows
// CHECK: grad.matmul %{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<3x4xf32> -> tensor<?x4xf32>
// CHECK: grad.broadcast %{{.*}} {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x4xf32>
// CHECK: grad.add %{{.*}}, %{{.*}} : tensor<?x4xf32>
// CHECK: grad.relu %{{.*}} : tensor<?x4xf32>
// CHECK: grad.max %{{.*}} {axes = array<i64: 1>, keepdim = true} : tensor<?x4xf32> -> tensor<?x1xf32>
// CHECK: grad.sum %{{.*}} {axes = array<i64: 0>} : tensor<?x4xf32> -> tensor<4xf32>
// CHECK: grad.mean %{{.*}} {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>
// CHECK: grad.transpose %{{.*}} {perm = array<i64: 1, 0>} : tensor<?x4xf32> -> tensor<4x?xf32>
// CHECK: grad.matmul %{{.*}}, %{{.*}} : tensor<4x?xf32>, tensor<?x4xf32> -> tensor<4x4xf32>
// CHECK: grad.cmp "gt", %{{.*}}, %{{.*}} : tensor<?x4xf32>
// CHECK: grad.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x4xi1>, tensor<?x4xf32>
// CHECK: grad.convert %{{.*}} : tensor<?x4xf32> -> tensor<?x4xf64>
func.func @mlp_rows(%x: tensor<?x3xf32>, %w: tensor<3x4xf32>, %s: tensor<?x1xf32>)
    -> (tensor<?x1xf32>, tensor<4xf32>, tensor<f32>, tensor<4x4xf32>, tensor<?x4xf64>) {
  %xw = grad.matmul %x, %w : tensor<?x3xf32>, tensor<3x4xf32> -> tensor<?x4xf32>
  %sb = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<?x1xf32> -> tensor<?x4xf32>
  %z = grad.add %xw, %sb : tensor<?x4xf32>
  %h = grad.relu %z : tensor<?x4xf32>
  %mx = grad.max %h {axes = array<i64: 1>, keepdim = true} : tensor<?x4xf32> -> tensor<?x1xf32>
  %col = grad.sum %h {axes = array<i64: 0>} : tensor<?x4xf32> -> tensor<4xf32>
  %m = grad.mean %h {axes = array<i64: 0, 1>} : tensor<?x4xf32> -> tensor<f32>
  %ht = grad.transpose %h {perm = array<i64: 1, 0>} : tensor<?x4xf32> -> tensor<4x?xf32>
  %g = grad.matmul %ht, %h : tensor<4x?xf32>, tensor<?x4xf32> -> tensor<4x4xf32>
  %c = grad.cmp "gt", %h, %z : tensor<?x4xf32>
  %sel = grad.select %c, %h, %z : tensor<?x4xi1>, tensor<?x4xf32>
  %d = grad.convert %sel : tensor<?x4xf32> -> tensor<?x4xf64>
  return %mx, %col, %m, %g, %d : tensor<?x1xf32>, tensor<4xf32>, tensor<f32>, tensor<4x4xf32>, tensor<?x4xf64>
}

// The inner dim may be dynamic on one side (checked at run time); an embedding lookup keeps the
// indices' dynamic dims.
// CHECK-LABEL: func.func @k_and_gather
// CHECK: grad.matmul %{{.*}}, %{{.*}} : tensor<2x?xf32>, tensor<3x5xf32> -> tensor<2x5xf32>
// CHECK: grad.gather %{{.*}}, %{{.*}} : tensor<10x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
func.func @k_and_gather(%a: tensor<2x?xf32>, %b: tensor<3x5xf32>, %t: tensor<10x8xf32>,
                        %i: tensor<?x?xi64>) -> (tensor<2x5xf32>, tensor<?x?x8xf32>) {
  %0 = grad.matmul %a, %b : tensor<2x?xf32>, tensor<3x5xf32> -> tensor<2x5xf32>
  %1 = grad.gather %t, %i : tensor<10x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  return %0, %1 : tensor<2x5xf32>, tensor<?x?x8xf32>
}

// A bias added to a batch of run-time size: the broadcast's `sizes` give the new dynamic dim.
// CHECK-LABEL: func.func @bias
// CHECK: %[[N:.+]] = tensor.dim
// CHECK: grad.broadcast %{{.*}} sizes(%[[N]]) {dims = array<i64: 1>} : tensor<4xf32> -> tensor<?x4xf32>
func.func @bias(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %bb = grad.broadcast %b sizes(%n) {dims = array<i64: 1>} : tensor<4xf32> -> tensor<?x4xf32>
  %y = grad.add %x, %bb : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// fused q, k, v: three slices of one [B, T, 3D] projection along its static last dim carry B
// and T through; a static limit along a `?` dim gives a static size (checked at run time), the
// limit `?` (-9223372036854775808, MLIR's kDynamic) keeps a `?` dim to its end. A concat joins
// `?` dims outside its axis and along it.
// CHECK-LABEL: func.func @qkv
// CHECK: grad.slice %{{.*}} {limits = array<i64: -9223372036854775808, -9223372036854775808, 4>, starts = array<i64: 0, 0, 0>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
// CHECK: grad.slice %{{.*}} {limits = array<i64: -9223372036854775808, -9223372036854775808, 12>, starts = array<i64: 0, 0, 8>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
// CHECK: grad.slice %{{.*}} {limits = array<i64: 2, -9223372036854775808, 12>, starts = array<i64: 0, 1, 0>, strides = array<i64: 1, 2, 3>} : tensor<?x?x12xf32> -> tensor<2x?x4xf32>
// CHECK: grad.concat %{{.*}}, %{{.*}} {axis = 2 : i64} : tensor<?x?x4xf32>, tensor<?x?x4xf32> -> tensor<?x?x8xf32>
// CHECK: grad.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<?x?x4xf32>, tensor<2x?x4xf32> -> tensor<?x?x4xf32>
// CHECK: grad.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<?x3xf32>, tensor<2x?xf32> -> tensor<2x?xf32>
func.func @qkv(%all: tensor<?x?x12xf32>, %a: tensor<?x3xf32>, %b: tensor<2x?xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<2x?xf32>) {
  %q = grad.slice %all {starts = array<i64: 0, 0, 0>, limits = array<i64: -9223372036854775808, -9223372036854775808, 4>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  %v = grad.slice %all {starts = array<i64: 0, 0, 8>, limits = array<i64: -9223372036854775808, -9223372036854775808, 12>, strides = array<i64: 1, 1, 1>} : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  %s = grad.slice %all {starts = array<i64: 0, 1, 0>, limits = array<i64: 2, -9223372036854775808, 12>, strides = array<i64: 1, 2, 3>} : tensor<?x?x12xf32> -> tensor<2x?x4xf32>
  %qv = grad.concat %q, %v {axis = 2 : i64} : tensor<?x?x4xf32>, tensor<?x?x4xf32> -> tensor<?x?x8xf32>
  %qs = grad.concat %q, %s {axis = 0 : i64} : tensor<?x?x4xf32>, tensor<2x?x4xf32> -> tensor<?x?x4xf32>
  %ab = grad.concat %a, %b {axis = 1 : i64} : tensor<?x3xf32>, tensor<2x?xf32> -> tensor<2x?xf32>
  return %qv, %qs, %ab : tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<2x?xf32>
}
