// A two-layer MLP with a softmax head, all grad primitives, against numpy.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py mlp %t
// RUN: grad-run %s --fn=mlp --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --input=%t/in3.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=mlp --interpret --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --input=%t/in3.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: all 1 outputs match

func.func @mlp(%x: tensor<4x3xf32>, %w1: tensor<3x5xf32>, %b1: tensor<5xf32>,
               %w2: tensor<5x2xf32>) -> tensor<4x2xf32> {
  %xw = grad.matmul %x, %w1 : tensor<4x3xf32>, tensor<3x5xf32> -> tensor<4x5xf32>
  %bb = grad.broadcast %b1 {dims = array<i64: 1>} : tensor<5xf32> -> tensor<4x5xf32>
  %z = grad.add %xw, %bb : tensor<4x5xf32>
  %h = grad.tanh %z : tensor<4x5xf32>
  %l = grad.matmul %h, %w2 : tensor<4x5xf32>, tensor<5x2xf32> -> tensor<4x2xf32>
  %m = grad.max %l {axes = array<i64: 1>, keepdim = true} : tensor<4x2xf32> -> tensor<4x1xf32>
  %bm = grad.broadcast %m {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x2xf32>
  %d = grad.sub %l, %bm : tensor<4x2xf32>
  %e = grad.exp %d : tensor<4x2xf32>
  %s = grad.sum %e {axes = array<i64: 1>, keepdim = true} : tensor<4x2xf32> -> tensor<4x1xf32>
  %bs = grad.broadcast %s {dims = array<i64: 0, 1>} : tensor<4x1xf32> -> tensor<4x2xf32>
  %p = grad.div %e, %bs : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}
