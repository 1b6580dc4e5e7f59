// gather (embedding lookup) with a 2-D index tensor and repeated indices.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py gather %t
// RUN: grad-run %s --fn=gather --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=gather --interpret --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/interp | FileCheck %s
// CHECK: all 1 outputs match

func.func @gather(%table: tensor<5x3xf32>, %idx: tensor<2x2xi64>) -> tensor<2x2x3xf32> {
  %0 = grad.gather %table, %idx : tensor<5x3xf32>, tensor<2x2xi64> -> tensor<2x2x3xf32>
  return %0 : tensor<2x2x3xf32>
}
