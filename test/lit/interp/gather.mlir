// gather (embedding lookup) with a 2-D index tensor and repeated indices.
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py gather %t
// RUN: grad-run %s --fn=gather --input=%t/in0.npy --input=%t/in1.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t %t/out | FileCheck %s
// CHECK: all 1 outputs match

func.func @gather(%table: tensor<5x3xf32>, %idx: tensor<2x2xi64>) -> tensor<2x2x3xf32> {
  %0 = grad.gather %table, %idx : tensor<5x3xf32>, tensor<2x2xi64> -> tensor<2x2x3xf32>
  return %0 : tensor<2x2x3xf32>
}
