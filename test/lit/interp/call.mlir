// func.call of another function in the module, and the same computation as a grad.fusion region:
// both must match numpy's relu(x @ w)^2.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py call %t
// RUN: grad-run %s --fn=call --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=call --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// RUN: grad-run %s --fn=fused --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/fused --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/fused | FileCheck %s
// RUN: grad-run %s --fn=fused --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/fused-interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/fused-interp | FileCheck %s
// CHECK: all 1 outputs match

func.func private @linear_relu(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = grad.matmul %x, %w : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  %1 = grad.relu %0 : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

func.func @call(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %h = func.call @linear_relu(%x, %w) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %sq = grad.mul %h, %h : tensor<2x4xf32>
  return %sq : tensor<2x4xf32>
}

func.func @fused(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %r = grad.fusion (%x, %w) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>):
    %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
    %1 = grad.relu %0 : tensor<2x4xf32>
    %2 = grad.mul %1, %1 : tensor<2x4xf32>
    grad.yield %2 : tensor<2x4xf32>
  }
  return %r : tensor<2x4xf32>
}
