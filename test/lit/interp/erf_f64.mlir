// grad.erf and exact gelu (0.5 x (1 + erf(x / sqrt 2)), the composite grad::gelu(x, "none")
// traces to) in f64 against Python's math.erf. Checked twice: JIT-compiled for the host CPU (erf
// from libm) and with the reference interpreter (the eager kernel, SLEEF's erf).
// RUN: rm -rf %t && %python_numpy %grad_src/test/tools/make_reference.py erf_f64 %t
// RUN: grad-run %s --fn=erf_f64 --input=%t/in0.npy --output-dir=%t/out --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=1e-14 --atol=1e-15 %t %t/out | FileCheck %s
// RUN: grad-run %s --fn=erf_f64 --interpret --input=%t/in0.npy --output-dir=%t/interp --quiet
// RUN: %python_numpy %grad_src/test/tools/compare_npy.py --rtol=1e-14 --atol=1e-15 %t %t/interp | FileCheck %s
// CHECK: all 2 outputs match

func.func @erf_f64(%x: tensor<3x7xf64>) -> (tensor<3x7xf64>, tensor<3x7xf64>) {
  %e = grad.erf %x : tensor<3x7xf64>
  %half = grad.constant dense<0.5> : tensor<3x7xf64>
  %one = grad.constant dense<1.0> : tensor<3x7xf64>
  %rsqrt2 = grad.constant dense<0.70710678118654757> : tensor<3x7xf64>
  %hx = grad.mul %x, %half : tensor<3x7xf64>
  %s = grad.mul %x, %rsqrt2 : tensor<3x7xf64>
  %es = grad.erf %s : tensor<3x7xf64>
  %p = grad.add %es, %one : tensor<3x7xf64>
  %g = grad.mul %hx, %p : tensor<3x7xf64>
  return %e, %g : tensor<3x7xf64>, tensor<3x7xf64>
}
