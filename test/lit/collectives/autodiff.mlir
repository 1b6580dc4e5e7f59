// The VJP of grad.all_reduce in the autodiff pass (the op table's rule): sum and mean give the
// same all-reduce of the cotangent; max sends the summed cotangent to the ranks holding the
// maximum, divided by how many hold it.
// RUN: grad-opt %s --grad-autodiff --canonicalize --cse | FileCheck %s

// CHECK-LABEL: func.func @mean_grad(
// CHECK-SAME:      %[[X:.+]]: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>)
// CHECK:         %[[R:.+]] = grad.all_reduce %[[X]] {op = "mean"} : tensor<3xf32>
// CHECK:         %[[G:.+]] = grad.all_reduce %{{.+}} {op = "mean"} : tensor<3xf32>
// CHECK:         return %{{.+}}, %[[G]]
func.func @mean(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff} {
  %r = grad.all_reduce %x {op = "mean"} : tensor<3xf32>
  %s = grad.sum %r {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// CHECK-LABEL: func.func @max_grad(
// CHECK-SAME:      %[[X:.+]]: tensor<3xf64>) -> (tensor<f64>, tensor<3xf64>)
// CHECK:         %[[R:.+]] = grad.all_reduce %[[X]] {op = "max"} : tensor<3xf64>
// CHECK:         %[[HOLDS:.+]] = grad.cmp "eq", %[[X]], %[[R]]
// CHECK:         %[[MASK:.+]] = grad.convert %[[HOLDS]]
// CHECK:         %[[TOTAL:.+]] = grad.all_reduce %{{.+}} {op = "sum"} : tensor<3xf64>
// CHECK:         %[[HOLDERS:.+]] = grad.all_reduce %[[MASK]] {op = "sum"} : tensor<3xf64>
// CHECK:         %[[SHARE:.+]] = grad.mul %[[MASK]], %[[TOTAL]]
// CHECK:         %[[G:.+]] = grad.div %[[SHARE]], %[[HOLDERS]]
// CHECK:         return %{{.+}}, %[[G]]
func.func @max(%x: tensor<3xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %r = grad.all_reduce %x {op = "max"} : tensor<3xf64>
  %s = grad.sum %r {axes = array<i64: 0>} : tensor<3xf64> -> tensor<f64>
  return %s : tensor<f64>
}
