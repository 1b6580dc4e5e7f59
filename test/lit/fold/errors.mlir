// An op whose evaluation fails (a constant gather index out of range) is not folded: a warning
// names the problem and the program keeps the op, so the error surfaces at run time as before.
// RUN: grad-opt %s --grad-fold --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @bad_index
// CHECK:         grad.gather
func.func @bad_index() -> tensor<1x2xf32> {
  %t = grad.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %i = grad.constant dense<[5]> : tensor<1xi64>
  // expected-warning @+1 {{grad-fold: not folded: evaluation failed}}
  %g = grad.gather %t, %i : tensor<2x2xf32>, tensor<1xi64> -> tensor<1x2xf32>
  return %g : tensor<1x2xf32>
}
