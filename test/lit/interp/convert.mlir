// convert f32 -> f64, and a bool mask (x > 0) converted to f32.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py convert %t
// RUN: grad-run %s --fn=convert --input=%t/in0.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=0 --atol=0 %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=convert --interpret --input=%t/in0.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=0 --atol=0 %t %t/interp | FileCheck %s
// CHECK: all 2 outputs match

func.func @convert(%x: tensor<4xf32>) -> (tensor<4xf64>, tensor<4xf32>) {
  %d = grad.convert %x : tensor<4xf32> -> tensor<4xf64>
  %zero = grad.constant dense<0.0> : tensor<4xf32>
  %m = grad.cmp "gt", %x, %zero : tensor<4xf32>
  %f = grad.convert %m : tensor<4xi1> -> tensor<4xf32>
  return %d, %f : tensor<4xf64>, tensor<4xf32>
}
