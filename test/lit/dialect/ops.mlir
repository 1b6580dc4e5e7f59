// Round trip of every grad op in the pretty form, through the generic form, and back.
// RUN: grad-opt %s | grad-opt | FileCheck %s
// RUN: grad-opt %s --mlir-print-op-generic | grad-opt | FileCheck %s
// RUN: grad-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @constant
func.func @constant() -> (tensor<2xf32>, tensor<3xi64>, tensor<2x2xi1>, tensor<f64>) {
  // CHECK: grad.constant dense<[1.000000e+00, 2.500000e+00]> : tensor<2xf32>
  // GENERIC: "grad.constant"() <{value = dense<[1.000000e+00, 2.500000e+00]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = grad.constant dense<[1.0, 2.5]> : tensor<2xf32>
  // CHECK: grad.constant dense<7> : tensor<3xi64>
  %1 = grad.constant dense<7> : tensor<3xi64>
  // CHECK: grad.constant dense<{{\[\[}}true, false], [false, true]]> : tensor<2x2xi1>
  %2 = grad.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  // CHECK: grad.constant dense<-0.000000e+00> : tensor<f64>
  %3 = grad.constant dense<-0.0> : tensor<f64>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<3xi64>, tensor<2x2xi1>, tensor<f64>
}

// CHECK-LABEL: func.func @unary
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
func.func @unary(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[A:.+]] = grad.neg %[[X]] : tensor<2x3xf32>
  // GENERIC: "grad.neg"(%{{.*}}) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %0 = grad.neg %x : tensor<2x3xf32>
  // CHECK: %[[B:.+]] = grad.exp %[[A]] : tensor<2x3xf32>
  %1 = grad.exp %0 : tensor<2x3xf32>
  // CHECK: grad.log %[[B]] : tensor<2x3xf32>
  %2 = grad.log %1 : tensor<2x3xf32>
  // CHECK: grad.sqrt
  %3 = grad.sqrt %2 : tensor<2x3xf32>
  // CHECK: grad.rsqrt
  %4 = grad.rsqrt %3 : tensor<2x3xf32>
  // CHECK: grad.abs
  %5 = grad.abs %4 : tensor<2x3xf32>
  // CHECK: grad.tanh
  %6 = grad.tanh %5 : tensor<2x3xf32>
  // CHECK: grad.sigmoid
  %7 = grad.sigmoid %6 : tensor<2x3xf32>
  // CHECK: grad.relu
  %8 = grad.relu %7 : tensor<2x3xf32>
  // CHECK: grad.gelu
  %9 = grad.gelu %8 : tensor<2x3xf32>
  // CHECK: grad.sin
  %10 = grad.sin %9 : tensor<2x3xf32>
  // CHECK: grad.cos %{{.*}} : tensor<2x3xf32>
  %11 = grad.cos %10 : tensor<2x3xf32>
  // CHECK: grad.erf %{{.*}} : tensor<2x3xf32>
  // GENERIC: "grad.erf"(%{{.*}}) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %12 = grad.erf %11 : tensor<2x3xf32>
  return %12 : tensor<2x3xf32>
}

// neg, abs and relu take i64 (dtype class Num in grad/op_table.def), as in eager mode.
// CHECK-LABEL: func.func @unary_i64
// CHECK: grad.neg %{{.*}} : tensor<4xi64>
// CHECK: grad.abs %{{.*}} : tensor<4xi64>
// CHECK: grad.relu %{{.*}} : tensor<4xi64>
func.func @unary_i64(%a: tensor<4xi64>) -> tensor<4xi64> {
  %0 = grad.neg %a : tensor<4xi64>
  %1 = grad.abs %0 : tensor<4xi64>
  %2 = grad.relu %1 : tensor<4xi64>
  return %2 : tensor<4xi64>
}

// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[A:.+]]: tensor<4xf64>, %[[B:.+]]: tensor<4xf64>, %[[I:.+]]: tensor<4xi64>)
func.func @binary(%a: tensor<4xf64>, %b: tensor<4xf64>, %i: tensor<4xi64>)
    -> (tensor<4xf64>, tensor<4xi64>) {
  // CHECK: grad.add %[[A]], %[[B]] : tensor<4xf64>
  // GENERIC: "grad.add"(%{{.*}}, %{{.*}}) : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xf64>
  %0 = grad.add %a, %b : tensor<4xf64>
  // CHECK: grad.sub
  %1 = grad.sub %0, %b : tensor<4xf64>
  // CHECK: grad.mul
  %2 = grad.mul %1, %b : tensor<4xf64>
  // CHECK: grad.div
  %3 = grad.div %2, %b : tensor<4xf64>
  // CHECK: grad.maximum
  %4 = grad.maximum %3, %b : tensor<4xf64>
  // CHECK: grad.minimum
  %5 = grad.minimum %4, %b : tensor<4xf64>
  // CHECK: grad.pow %{{.*}}, %[[B]] : tensor<4xf64>
  %6 = grad.pow %5, %b : tensor<4xf64>
  // CHECK: grad.add %[[I]], %[[I]] : tensor<4xi64>
  %7 = grad.add %i, %i : tensor<4xi64>
  // CHECK: grad.maximum %{{.*}}, %[[I]] : tensor<4xi64>
  %8 = grad.maximum %7, %i : tensor<4xi64>
  return %6, %8 : tensor<4xf64>, tensor<4xi64>
}

// CHECK-LABEL: func.func @cmp_select
func.func @cmp_select(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // CHECK: %[[M:.+]] = grad.cmp "lt", %{{.*}}, %{{.*}} : tensor<2x2xf32>
  // GENERIC: "grad.cmp"(%{{.*}}, %{{.*}}) <{predicate = "lt"}> : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xi1>
  %m = grad.cmp "lt", %a, %b : tensor<2x2xf32>
  // CHECK: grad.cmp "le"
  %m1 = grad.cmp "le", %a, %b : tensor<2x2xf32>
  // CHECK: grad.cmp "gt"
  %m2 = grad.cmp "gt", %a, %b : tensor<2x2xf32>
  // CHECK: grad.cmp "ge"
  %m3 = grad.cmp "ge", %a, %b : tensor<2x2xf32>
  // CHECK: grad.cmp "eq"
  %m4 = grad.cmp "eq", %a, %b : tensor<2x2xf32>
  // CHECK: grad.select %[[M]], %{{.*}}, %{{.*}} : tensor<2x2xi1>, tensor<2x2xf32>
  // GENERIC: "grad.select"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<2x2xi1>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = grad.select %m, %a, %b : tensor<2x2xi1>, tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// CHECK-LABEL: func.func @shape_ops
func.func @shape_ops(%v: tensor<3xf32>, %x: tensor<2x3xf32>, %t: tensor<10x4xf32>,
                     %idx: tensor<2x5xi64>, %m: tensor<2x3xi1>)
    -> (tensor<2x3xf32>, tensor<3x2xf32>, tensor<6xf32>, tensor<1x2xf32>, tensor<4x3xf32>,
        tensor<2x5x4xf32>, tensor<2x3xf64>) {
  // CHECK: grad.broadcast %{{.*}} {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  // GENERIC: "grad.broadcast"(%{{.*}}) <{dims = array<i64: 1>}> : (tensor<3xf32>) -> tensor<2x3xf32>
  %0 = grad.broadcast %v {dims = array<i64: 1>} : tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: grad.transpose %{{.*}} {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %1 = grad.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  // CHECK: grad.reshape %{{.*}} : tensor<2x3xf32> -> tensor<6xf32>
  %2 = grad.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  // CHECK: grad.slice %{{.*}} {limits = array<i64: 1, 3>, starts = array<i64: 0, 0>, strides = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<1x2xf32>
  %3 = grad.slice %x {starts = array<i64: 0, 0>, limits = array<i64: 1, 3>, strides = array<i64: 1, 2>} : tensor<2x3xf32> -> tensor<1x2xf32>
  // CHECK: grad.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<4x3xf32>
  %4 = grad.concat %x, %0 {axis = 0 : i64} : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<4x3xf32>
  // CHECK: grad.gather %{{.*}}, %{{.*}} : tensor<10x4xf32>, tensor<2x5xi64> -> tensor<2x5x4xf32>
  %5 = grad.gather %t, %idx : tensor<10x4xf32>, tensor<2x5xi64> -> tensor<2x5x4xf32>
  // CHECK: grad.convert %{{.*}} : tensor<2x3xi1> -> tensor<2x3xf64>
  %6 = grad.convert %m : tensor<2x3xi1> -> tensor<2x3xf64>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2x3xf32>, tensor<3x2xf32>, tensor<6xf32>, tensor<1x2xf32>, tensor<4x3xf32>, tensor<2x5x4xf32>, tensor<2x3xf64>
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x3x4xf32>, %i: tensor<5xi64>)
    -> (tensor<3xf32>, tensor<2x1x4xf32>, tensor<i64>) {
  // The default keepdim = false is not printed.
  // CHECK: grad.sum %{{.*}} {axes = array<i64: 0, 2>} : tensor<2x3x4xf32> -> tensor<3xf32>
  // GENERIC: "grad.sum"(%{{.*}}) <{axes = array<i64: 0, 2>, keepdim = false}> : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %0 = grad.sum %x {axes = array<i64: 0, 2>, keepdim = false} : tensor<2x3x4xf32> -> tensor<3xf32>
  // CHECK: grad.mean %{{.*}} {axes = array<i64: 1>, keepdim = true} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
  %1 = grad.mean %x {axes = array<i64: 1>, keepdim = true} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
  // CHECK: grad.max %{{.*}} {axes = array<i64: 0>} : tensor<5xi64> -> tensor<i64>
  %2 = grad.max %i {axes = array<i64: 0>} : tensor<5xi64> -> tensor<i64>
  return %0, %1, %2 : tensor<3xf32>, tensor<2x1x4xf32>, tensor<i64>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<5x2x3xf64>,
                  %d: tensor<5x3x4xf64>) -> (tensor<2x4xf32>, tensor<5x2x4xf64>) {
  // CHECK: grad.matmul %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  // GENERIC: "grad.matmul"(%{{.*}}, %{{.*}}) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %0 = grad.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xf32>
  // CHECK: grad.matmul %{{.*}}, %{{.*}} : tensor<5x2x3xf64>, tensor<5x3x4xf64> -> tensor<5x2x4xf64>
  %1 = grad.matmul %c, %d : tensor<5x2x3xf64>, tensor<5x3x4xf64> -> tensor<5x2x4xf64>
  return %0, %1 : tensor<2x4xf32>, tensor<5x2x4xf64>
}

// CHECK-LABEL: func.func @fusion
func.func @fusion(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<f32>) {
  // CHECK: %[[R:.+]]:2 = grad.fusion(%{{.*}}, %{{.*}}) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<f32>) {
  // CHECK-NEXT: ^bb0(%[[X:.+]]: tensor<4xf32>, %[[Y:.+]]: tensor<4xf32>):
  // CHECK-NEXT: %[[S:.+]] = grad.add %[[X]], %[[Y]] : tensor<4xf32>
  // CHECK-NEXT: %[[T:.+]] = grad.relu %[[S]] : tensor<4xf32>
  // CHECK-NEXT: %[[U:.+]] = grad.sum %[[T]] {axes = array<i64: 0>} : tensor<4xf32> -> tensor<f32>
  // CHECK-NEXT: grad.yield %[[T]], %[[U]] : tensor<4xf32>, tensor<f32>
  // CHECK-NEXT: }
  // GENERIC: "grad.fusion"(%{{.*}}, %{{.*}}) ({
  // GENERIC: "grad.yield"(%{{.*}}, %{{.*}}) : (tensor<4xf32>, tensor<f32>) -> ()
  // GENERIC: }) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<f32>)
  %r:2 = grad.fusion (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<f32>) {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %s = grad.add %x, %y : tensor<4xf32>
    %t = grad.relu %s : tensor<4xf32>
    %u = grad.sum %t {axes = array<i64: 0>} : tensor<4xf32> -> tensor<f32>
    grad.yield %t, %u : tensor<4xf32>, tensor<f32>
  }
  return %r#0, %r#1 : tensor<4xf32>, tensor<f32>
}
