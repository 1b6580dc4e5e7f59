// Unary and binary elementwise ops (f32) against numpy (test/tools/make_reference.py elementwise).
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py elementwise %t
// RUN: grad-run %s --fn=elementwise --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=elementwise --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: all 3 outputs match

func.func @elementwise(%x: tensor<3x4xf32>, %y: tensor<3x4xf32>)
    -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %one = grad.constant dense<1.0> : tensor<3x4xf32>
  %t = grad.tanh %x : tensor<3x4xf32>
  %s = grad.sigmoid %y : tensor<3x4xf32>
  %a = grad.mul %t, %s : tensor<3x4xf32>
  %ax = grad.abs %x : tensor<3x4xf32>
  %nax = grad.neg %ax : tensor<3x4xf32>
  %b = grad.exp %nax : tensor<3x4xf32>
  %b1 = grad.add %b, %one : tensor<3x4xf32>
  %c = grad.div %a, %b1 : tensor<3x4xf32>
  %ay = grad.abs %y : tensor<3x4xf32>
  %sq = grad.sqrt %ay : tensor<3x4xf32>
  %d = grad.sub %c, %sq : tensor<3x4xf32>
  %ax1 = grad.add %ax, %one : tensor<3x4xf32>
  %l = grad.log %ax1 : tensor<3x4xf32>
  %e = grad.add %d, %l : tensor<3x4xf32>
  %mn = grad.minimum %x, %y : tensor<3x4xf32>
  %f = grad.maximum %e, %mn : tensor<3x4xf32>
  %out0 = grad.gelu %f : tensor<3x4xf32>
  %sx = grad.sin %x : tensor<3x4xf32>
  %r = grad.relu %sx : tensor<3x4xf32>
  %cy = grad.cos %y : tensor<3x4xf32>
  %out1 = grad.add %r, %cy : tensor<3x4xf32>
  %rs = grad.rsqrt %ax1 : tensor<3x4xf32>
  %ay1 = grad.add %ay, %one : tensor<3x4xf32>
  %p = grad.pow %ay1, %x : tensor<3x4xf32>
  %out2 = grad.mul %rs, %p : tensor<3x4xf32>
  return %out0, %out1, %out2 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
}
