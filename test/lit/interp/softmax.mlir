// Numerically stable softmax written with grad primitives (max, broadcast, sub, exp, sum, div).
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py softmax %t
// RUN: grad-run %s --fn=softmax --input=%t/in0.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=softmax --interpret --input=%t/in0.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: all 1 outputs match

func.func @softmax(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %m = grad.max %x {axes = array<i64: 1>, keepdim = true} : tensor<4x6xf32> -> tensor<4x1xf32>
  %bm = grad.broadcast %m {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x6xf32>
  %z = grad.sub %x, %bm : tensor<4x6xf32>
  %e = grad.exp %z : tensor<4x6xf32>
  %s = grad.sum %e {axes = array<i64: 1>, keepdim = true} : tensor<4x6xf32> -> tensor<4x1xf32>
  %bs = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x6xf32>
  %p = grad.div %e, %bs : tensor<4x6xf32>
  return %p : tensor<4x6xf32>
}
