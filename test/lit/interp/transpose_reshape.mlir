// transpose with a full permutation, then a row-major reshape of the (non-contiguous) result.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py transpose_reshape %t
// RUN: grad-run %s --fn=transpose_reshape --input=%t/in0.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=transpose_reshape --interpret --input=%t/in0.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: all 2 outputs match

func.func @transpose_reshape(%x: tensor<2x3x4xf32>) -> (tensor<4x2x3xf32>, tensor<8x3xf32>) {
  %t = grad.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %r = grad.reshape %t : tensor<4x2x3xf32> -> tensor<8x3xf32>
  return %t, %r : tensor<4x2x3xf32>, tensor<8x3xf32>
}
