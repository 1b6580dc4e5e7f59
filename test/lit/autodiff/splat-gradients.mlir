// Seeds and zero gradients are splats: a 2^29-element untouched input gets a
// `dense<0.0>` constant (or a broadcast of a scalar), never a materialized tensor.
// RUN: grad-opt %s --grad-autodiff --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @f_grad
// CHECK-NOT: dense<[
// CHECK: dense<0.000000e+00> : tensor<536870912xf32>
// CHECK: return
func.func @f(%x: tensor<2xf32>, %big: tensor<536870912xf32>) -> tensor<f32> attributes {grad.autodiff = array<i64: 0, 1>} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
