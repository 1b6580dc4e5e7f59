// i64 arithmetic and reduction: exact against numpy, and grad-run's .npy bytes are identical to
// the file numpy writes for the same array (header and data).
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py int64 %t
// RUN: grad-run %s --fn=int64 --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=int64 --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// RUN: cmp %t/ref0.npy %t/out/out0.npy
// RUN: cmp %t/ref2.npy %t/out/out2.npy
// CHECK: all 3 outputs match

func.func @int64(%a: tensor<3x4xi64>, %b: tensor<3x4xi64>)
    -> (tensor<3x4xi64>, tensor<3x4xi64>, tensor<3xi64>) {
  %s = grad.add %a, %b : tensor<3x4xi64>
  %d = grad.sub %a, %b : tensor<3x4xi64>
  %out0 = grad.mul %s, %d : tensor<3x4xi64>
  %mx = grad.maximum %a, %b : tensor<3x4xi64>
  %mn = grad.minimum %a, %b : tensor<3x4xi64>
  %out1 = grad.sub %mx, %mn : tensor<3x4xi64>
  %out2 = grad.sum %a {axes = array<i64: 1>} : tensor<3x4xi64> -> tensor<3xi64>
  return %out0, %out1, %out2 : tensor<3x4xi64>, tensor<3x4xi64>, tensor<3xi64>
}
