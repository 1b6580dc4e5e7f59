// Reductions that absorb a broadcast (after linalg's elementwise fusion the broadcast operand's
// map misses a loop), compiled (grad-run's default) and interpreted, against numpy. A reduction
// to a scalar of this form used to fail in the vectorizer ("'vector.contract' op invalid
// accumulator/result vector shape"); it now stays scalar loops, the row reduction is vectorized.
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py reduce_broadcast %t
// RUN: grad-run %s --fn=f --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --input=%t/in3.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=f --interpret --input=%t/in0.npy --input=%t/in1.npy --input=%t/in2.npy --input=%t/in3.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// RUN: gradc %s -O0 --emit=obj -o %t/f.o && test -s %t/f.o
// CHECK: all 3 outputs match

func.func @f(%x: tensor<3x1xf32>, %w: tensor<2x3x4xf32>, %v: tensor<4xf32>, %m: tensor<3x4xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<3xf32>) {
  %b = grad.broadcast %x {dims = array<i64: 1, 2>} : tensor<3x1xf32> -> tensor<2x3x4xf32>
  %p = grad.mul %b, %w : tensor<2x3x4xf32>
  %s = grad.sum %p {axes = array<i64: 0, 1, 2>} : tensor<2x3x4xf32> -> tensor<f32>
  %bv = grad.broadcast %v {dims = array<i64: 1>} : tensor<4xf32> -> tensor<3x4xf32>
  %q = grad.mul %bv, %m : tensor<3x4xf32>
  %t = grad.sum %q {axes = array<i64: 0, 1>} : tensor<3x4xf32> -> tensor<f32>
  %bx = grad.broadcast %x {dims = array<i64: 0, 1>} : tensor<3x1xf32> -> tensor<3x4xf32>
  %r = grad.mul %bx, %m : tensor<3x4xf32>
  %u = grad.sum %r {axes = array<i64: 1>} : tensor<3x4xf32> -> tensor<3xf32>
  return %s, %t, %u : tensor<f32>, tensor<f32>, tensor<3xf32>
}
