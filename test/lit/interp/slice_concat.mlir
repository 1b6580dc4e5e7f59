// Strided slice x[1:4, 0:6:2] and concat along axis 0.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py slice_concat %t
// RUN: grad-run %s --fn=slice_concat --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=slice_concat --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: all 2 outputs match

func.func @slice_concat(%x: tensor<4x6xf32>, %y: tensor<2x3xf32>)
    -> (tensor<3x3xf32>, tensor<5x3xf32>) {
  %s = grad.slice %x {starts = array<i64: 1, 0>, limits = array<i64: 4, 6>,
                      strides = array<i64: 1, 2>} : tensor<4x6xf32> -> tensor<3x3xf32>
  %c = grad.concat %s, %y {axis = 0 : i64} : tensor<3x3xf32>, tensor<2x3xf32> -> tensor<5x3xf32>
  return %s, %c : tensor<3x3xf32>, tensor<5x3xf32>
}
