// f64 elementwise ops against numpy in float64, with a tight tolerance.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py elementwise_f64 %t
// RUN: grad-run %s --fn=elementwise_f64 --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=1e-12 --atol=1e-14 %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=elementwise_f64 --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=1e-12 --atol=1e-14 %t %t/interp | FileCheck %s
// CHECK: all 2 outputs match

func.func @elementwise_f64(%x: tensor<2x5xf64>, %y: tensor<2x5xf64>)
    -> (tensor<2x5xf64>, tensor<2x5xf64>) {
  %one = grad.constant dense<1.0> : tensor<2x5xf64>
  %lx = grad.log %x : tensor<2x5xf64>
  %ey = grad.exp %y : tensor<2x5xf64>
  %a = grad.mul %lx, %ey : tensor<2x5xf64>
  %yy = grad.mul %y, %y : tensor<2x5xf64>
  %yy1 = grad.add %yy, %one : tensor<2x5xf64>
  %q = grad.div %x, %yy1 : tensor<2x5xf64>
  %out0 = grad.sub %a, %q : tensor<2x5xf64>
  %ny = grad.neg %y : tensor<2x5xf64>
  %t = grad.tanh %ny : tensor<2x5xf64>
  %p = grad.pow %x, %y : tensor<2x5xf64>
  %out1 = grad.add %t, %p : tensor<2x5xf64>
  return %out0, %out1 : tensor<2x5xf64>, tensor<2x5xf64>
}
