// 2-D and batched matmul (f32), and 2-D matmul in f64 with a tight tolerance.
// Checked twice: JIT-compiled for the host CPU (grad-run's default) and with the reference
// interpreter (--interpret).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py matmul %t/a
// RUN: grad-run %s --fn=matmul --input=%t/a/in0.npy --input=%t/a/in1.npy --input=%t/a/in2.npy --input=%t/a/in3.npy --output-dir=%t/a/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/a %t/a/out | FileCheck %s
// RUN: grad-run %s --fn=matmul --interpret --input=%t/a/in0.npy --input=%t/a/in1.npy --input=%t/a/in2.npy --input=%t/a/in3.npy --output-dir=%t/a/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py %t/a %t/a/interp | FileCheck %s
// RUN: %python_numpy %grad_src/test/tools/make_reference.py matmul_f64 %t/b
// RUN: grad-run %s --fn=matmul_f64 --input=%t/b/in0.npy --input=%t/b/in1.npy --output-dir=%t/b/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=1e-12 --atol=1e-14 %t/b %t/b/out | FileCheck %s --check-prefix=F64
// RUN: grad-run %s --fn=matmul_f64 --interpret --input=%t/b/in0.npy --input=%t/b/in1.npy --output-dir=%t/b/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=1e-12 --atol=1e-14 %t/b %t/b/interp | FileCheck %s --check-prefix=F64
// CHECK: all 2 outputs match
// F64: all 1 outputs match

func.func @matmul(%a: tensor<3x5xf32>, %b: tensor<5x2xf32>, %c: tensor<2x3x4xf32>,
                  %d: tensor<2x4x5xf32>) -> (tensor<3x2xf32>, tensor<2x3x5xf32>) {
  %0 = grad.matmul %a, %b : tensor<3x5xf32>, tensor<5x2xf32> -> tensor<3x2xf32>
  %1 = grad.matmul %c, %d : tensor<2x3x4xf32>, tensor<2x4x5xf32> -> tensor<2x3x5xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<2x3x5xf32>
}

func.func @matmul_f64(%a: tensor<4x3xf64>, %b: tensor<3x6xf64>) -> tensor<4x6xf64> {
  %0 = grad.matmul %a, %b : tensor<4x3xf64>, tensor<3x6xf64> -> tensor<4x6xf64>
  return %0 : tensor<4x6xf64>
}
