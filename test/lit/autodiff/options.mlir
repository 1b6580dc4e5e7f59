// The func/argnums options choose what to differentiate; a missing function is an error.
// RUN: grad-opt %s --grad-autodiff="func=g argnums=1" --canonicalize --cse | FileCheck %s
// RUN: not grad-opt %s --grad-autodiff="func=nope" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: grad-autodiff: no function named @nope

// Only @g gets a gradient function, with one gradient (for %w): d/dw sum(x * w) = x.
// CHECK-NOT:   func.func @f_grad
// CHECK-LABEL: func.func @g_grad(
// CHECK-SAME:    %[[X:.+]]: tensor<2x2xf32>, %[[W:.+]]: tensor<2x2xf32>) -> (tensor<f32>, tensor<2x2xf32>)
// CHECK:         return %{{.+}}, %[[X]] : tensor<f32>, tensor<2x2xf32>

func.func @f(%x: tensor<2xf32>) -> tensor<f32> {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

func.func @g(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> tensor<f32> {
  %p = grad.mul %x, %w : tensor<2x2xf32>
  %s = grad.sum %p {axes = array<i64: 0, 1>} : tensor<2x2xf32> -> tensor<f32>
  return %s : tensor<f32>
}
