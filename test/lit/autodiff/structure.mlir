// Structure of the IR --grad-autodiff builds, after canonicalize + cse.
// RUN: grad-opt %s --grad-autodiff --canonicalize --cse | FileCheck %s

// d/dx sum(exp(x)) = exp(x): the forward exp is reused, no new exp.
// CHECK-LABEL: func.func @exp_sum_grad(
// CHECK-SAME:      %[[X:.+]]: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>)
// CHECK-NEXT:    %[[E:.+]] = grad.exp %[[X]]
// CHECK-NEXT:    %[[S:.+]] = grad.sum %[[E]]
// CHECK-NEXT:    return %[[S]], %[[E]]
func.func @exp_sum(%x: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff} {
  %e = grad.exp %x : tensor<3xf32>
  %s = grad.sum %e {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// Fan-out: x is used twice (x * x), the two cotangents are summed with grad.add.
// CHECK-LABEL: func.func @square_grad(
// CHECK-SAME:      %[[X:.+]]: tensor<4xf64>)
// CHECK:         %[[S:.+]] = grad.sum
// CHECK-NEXT:    %[[G:.+]] = grad.add %[[X]], %[[X]] : tensor<4xf64>
// CHECK-NEXT:    return %[[S]], %[[G]]
func.func @square(%x: tensor<4xf64>) -> tensor<f64> attributes {grad.autodiff} {
  %m = grad.mul %x, %x : tensor<4xf64>
  %s = grad.sum %m {axes = array<i64: 0>} : tensor<4xf64> -> tensor<f64>
  return %s : tensor<f64>
}

// Broadcast: the gradient of the [4] bias is reduced over the broadcast dim 0.
// CHECK-LABEL: func.func @bias_grad(
// CHECK-SAME:      %[[X:.+]]: tensor<3x4xf32>, %[[B:.+]]: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>)
// CHECK:         %[[S:.+]] = grad.sum {{.*}}axes = array<i64: 0, 1>
// CHECK-NEXT:    %[[R:.+]] = grad.sum %[[X]] {axes = array<i64: 0>, keepdim = true} : tensor<3x4xf32> -> tensor<1x4xf32>
// CHECK-NEXT:    %[[G:.+]] = grad.reshape %[[R]] : tensor<1x4xf32> -> tensor<4xf32>
// CHECK-NEXT:    return %[[S]], %[[G]]
func.func @bias(%x: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<f32> attributes {grad.autodiff = array<i64: 1>} {
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<4xf32> -> tensor<3x4xf32>
  %y = grad.mul %x, %bb : tensor<3x4xf32>
  %s = grad.sum %y {axes = array<i64: 0, 1>} : tensor<3x4xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// Unused argument: its gradient is a zero constant.
// CHECK-LABEL: func.func @unused_grad(
// CHECK-DAG:     %[[Z:.+]] = grad.constant dense<0.000000e+00> : tensor<5xf32>
// CHECK-DAG:     %[[O:.+]] = grad.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK:         %[[S:.+]] = grad.sum
// CHECK-NEXT:    return %[[S]], %[[O]], %[[Z]]
func.func @unused(%x: tensor<2xf32>, %u: tensor<5xf32>) -> tensor<f32> attributes {grad.autodiff} {
  %s = grad.sum %x {axes = array<i64: 0>} : tensor<2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// No gradient through cmp or the predicate of select: only the two branches get one.
// CHECK-LABEL: func.func @select_grad(
// CHECK-DAG:     %[[Z:.+]] = grad.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-DAG:     %[[O:.+]] = grad.constant dense<1.000000e+00> : tensor<3xf32>
// CHECK:         %[[C:.+]] = grad.cmp "gt"
// CHECK-NOT:     grad.cmp
// CHECK:         %[[GA:.+]] = grad.select %[[C]], %[[O]], %[[Z]]
// CHECK-NEXT:    %[[GB:.+]] = grad.select %[[C]], %[[Z]], %[[O]]
// CHECK-NEXT:    return %{{.+}}, %[[GA]], %[[GB]]
func.func @select(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<f32> attributes {grad.autodiff} {
  %c = grad.cmp "gt", %a, %b : tensor<3xf32>
  %m = grad.select %c, %a, %b : tensor<3xi1>, tensor<3xf32>
  %s = grad.sum %m {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// matmul: dA = G B^T, dB = A^T G.
// CHECK-LABEL: func.func @matmul_grad(
// CHECK-SAME:      %[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<3x4xf32>)
// CHECK:         %[[BT:.+]] = grad.transpose %[[B]] {perm = array<i64: 1, 0>}
// CHECK-NEXT:    %[[DA:.+]] = grad.matmul %{{.+}}, %[[BT]] : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT:    %[[AT:.+]] = grad.transpose %[[A]] {perm = array<i64: 1, 0>}
// CHECK-NEXT:    %[[DB:.+]] = grad.matmul %[[AT]], %{{.+}} : tensor<3x2xf32>, tensor<2x4xf32> -> tensor<3x4xf32>
// CHECK-NEXT:    return %{{.+}}, %[[DA]], %[[DB]]
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<f32> attributes {grad.autodiff} {
  %c = grad.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  %s = grad.sum %c {axes = array<i64: 0, 1>} : tensor<2x4xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// Extra results are returned before the gradients; only the first result is differentiated.
// CHECK-LABEL: func.func @aux_grad(
// CHECK-SAME:      -> (tensor<f32>, tensor<3xf32>, tensor<3xf32>)
// CHECK:         %[[T:.+]] = grad.tanh
// CHECK:         %[[S:.+]] = grad.sum %[[T]]
// CHECK-NEXT:    %[[T2:.+]] = grad.mul %[[T]], %[[T]]
// CHECK-NEXT:    %[[G:.+]] = grad.sub %{{.+}}, %[[T2]]
// CHECK-NEXT:    return %[[S]], %[[T]], %[[G]]
func.func @aux(%x: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) attributes {grad.autodiff} {
  %t = grad.tanh %x : tensor<3xf32>
  %s = grad.sum %t {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s, %t : tensor<f32>, tensor<3xf32>
}

// A unit grad.autodiff attribute differentiates every floating-point argument: the i64 labels
// get no gradient result, and the cmp against them carries no gradient.
// CHECK-LABEL: func.func @int_arg_grad(
// CHECK-SAME:      %[[X:.+]]: tensor<3xf32>, %[[L:.+]]: tensor<3xi64>) -> (tensor<f32>, tensor<3xf32>)
// CHECK:         %[[M:.+]] = grad.cmp "eq", %[[L]]
// CHECK:         grad.select %[[M]], %[[X]], %{{.+}} : tensor<3xi1>, tensor<3xf32>
// CHECK:         %[[G:.+]] = grad.select %[[M]], %{{.+}}, %{{.+}} : tensor<3xi1>, tensor<3xf32>
// CHECK-NEXT:    return %{{.+}}, %[[G]] : tensor<f32>, tensor<3xf32>
func.func @int_arg(%x: tensor<3xf32>, %labels: tensor<3xi64>) -> tensor<f32> attributes {grad.autodiff} {
  %k = grad.constant dense<[0, 1, 2]> : tensor<3xi64>
  %m = grad.cmp "eq", %labels, %k : tensor<3xi64>
  %z = grad.constant dense<0.0> : tensor<3xf32>
  %p = grad.select %m, %x, %z : tensor<3xi1>, tensor<3xf32>
  %s = grad.sum %p {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
