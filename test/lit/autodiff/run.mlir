// The pass's output is ordinary grad IR: it runs, and the pass differentiates its own output.
// d/dx sum(x^3) = 3x^2: at x = [1, 2, -3] that is [3, 12, 27] (f = 1 + 8 - 27 = -18).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python_numpy -c "import numpy as np; np.save('%t/x.npy', np.array([1.0, 2.0, -3.0]))"
// RUN: grad-opt %s --grad-autodiff="func=f" --canonicalize --cse > %t/grad.mlir
// RUN: grad-run %t/grad.mlir --fn=f_grad --input=%t/x.npy | FileCheck %s --check-prefix=GRAD
// GRAD:      out0: f64[]
// GRAD-NEXT: -18.0
// GRAD-NEXT: out1: f64[3]
// GRAD-NEXT: [3.0, 12.0, 27.0]

// Differentiating @f_grad (its first result is f) again gives f_grad_grad with the same gradient.
// RUN: grad-opt %t/grad.mlir --grad-autodiff="func=f_grad argnums=0" --canonicalize --cse | FileCheck %s --check-prefix=TWICE
// TWICE-LABEL: func.func @f_grad_grad(
// TWICE-SAME:    -> (tensor<f64>, tensor<3xf64>, tensor<3xf64>)
// TWICE:         return %[[V:.+]], %[[G:.+]], %[[G]] :

func.func @f(%x: tensor<3xf64>) -> tensor<f64> {
  %a = grad.mul %x, %x : tensor<3xf64>
  %b = grad.mul %a, %x : tensor<3xf64>
  %s = grad.sum %b {axes = array<i64: 0>} : tensor<3xf64> -> tensor<f64>
  return %s : tensor<f64>
}
