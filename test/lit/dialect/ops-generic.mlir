// The generic form with the names, operand orders and attribute names of API.md parses and
// prints in the pretty form.
// RUN: grad-opt %s | FileCheck %s

// CHECK-LABEL: func.func @generic
func.func @generic(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %v: tensor<3xf32>) -> tensor<2xf32> {
  // CHECK: grad.constant dense<1.000000e+00> : tensor<2x3xf32>
  %c = "grad.constant"() {value = dense<1.0> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  // CHECK: grad.add %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %0 = "grad.add"(%a, %b) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: grad.cmp "lt", %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %1 = "grad.cmp"(%0, %c) {predicate = "lt"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  // CHECK: grad.broadcast %{{.*}} {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  %2 = "grad.broadcast"(%v) {dims = array<i64: 1>} : (tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: grad.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xi1>, tensor<2x3xf32>
  %3 = "grad.select"(%1, %0, %2) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: grad.transpose %{{.*}} {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %4 = "grad.transpose"(%3) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  // CHECK: grad.reshape %{{.*}} : tensor<3x2xf32> -> tensor<2x3xf32>
  %5 = "grad.reshape"(%4) : (tensor<3x2xf32>) -> tensor<2x3xf32>
  // CHECK: grad.sum %{{.*}} {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  %6 = "grad.sum"(%5) {axes = array<i64: 1>, keepdim = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  // CHECK: grad.max %{{.*}} {axes = array<i64: 0, 1>, keepdim = true} : tensor<2x3xf32> -> tensor<1x1xf32>
  %7 = "grad.max"(%5) {axes = array<i64: 0, 1>, keepdim = true} : (tensor<2x3xf32>) -> tensor<1x1xf32>
  // CHECK: grad.matmul %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3x2xf32> -> tensor<2x2xf32>
  %8 = "grad.matmul"(%5, %4) : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %6 : tensor<2xf32>
}
