// RUN: grad-opt %s --grad-lower-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @add
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%{{.+}}, %{{.+}} : tensor<2x3xf32>, tensor<2x3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: arith.addf
// CHECK: linalg.yield
// CHECK-NOT: grad.
func.func @add(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = grad.add %a, %b : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @int_ops
// CHECK: arith.subi
// CHECK: arith.muli
// CHECK: arith.maxsi
// CHECK: arith.minsi
func.func @int_ops(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  %0 = grad.sub %a, %b : tensor<4xi64>
  %1 = grad.mul %0, %b : tensor<4xi64>
  %2 = grad.maximum %1, %a : tensor<4xi64>
  %3 = grad.minimum %2, %b : tensor<4xi64>
  return %3 : tensor<4xi64>
}

// -----

// neg, abs and relu take i64 (their op-table dtype class is Num, as in eager mode).
// CHECK-LABEL: func.func @int_unary
// CHECK: %[[Z:.+]] = arith.constant 0 : i64
// CHECK: arith.subi %[[Z]], %{{.+}} : i64
// CHECK: math.absi
// CHECK: arith.cmpi sgt
// CHECK: arith.select
func.func @int_unary(%a: tensor<4xi64>) -> tensor<4xi64> {
  %0 = grad.neg %a : tensor<4xi64>
  %1 = grad.abs %0 : tensor<4xi64>
  %2 = grad.relu %1 : tensor<4xi64>
  return %2 : tensor<4xi64>
}

// -----

// NaN-propagating maximum/minimum and pow, as the eager kernels.
// CHECK-LABEL: func.func @float_binary
// CHECK: arith.divf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.powf
func.func @float_binary(%a: tensor<4xf64>, %b: tensor<4xf64>) -> tensor<4xf64> {
  %0 = grad.div %a, %b : tensor<4xf64>
  %1 = grad.maximum %0, %b : tensor<4xf64>
  %2 = grad.minimum %1, %a : tensor<4xf64>
  %3 = grad.pow %2, %b : tensor<4xf64>
  return %3 : tensor<4xf64>
}

// -----

// CHECK-LABEL: func.func @unary
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.sqrt
// rsqrt is 1 / sqrt(x), as eager computes it:
// CHECK: math.sqrt
// CHECK-NEXT: arith.divf
// CHECK: math.absf
// CHECK: math.tanh
// CHECK: math.sin
// CHECK: math.cos
func.func @unary(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = grad.neg %x : tensor<8xf32>
  %1 = grad.exp %0 : tensor<8xf32>
  %2 = grad.log %1 : tensor<8xf32>
  %3 = grad.sqrt %2 : tensor<8xf32>
  %4 = grad.rsqrt %3 : tensor<8xf32>
  %5 = grad.abs %4 : tensor<8xf32>
  %6 = grad.tanh %5 : tensor<8xf32>
  %7 = grad.sin %6 : tensor<8xf32>
  %8 = grad.cos %7 : tensor<8xf32>
  return %8 : tensor<8xf32>
}

// -----

// relu is x > 0 or unordered ? x : 0 (NaN propagates, as eager and torch.relu).
// CHECK-LABEL: func.func @relu
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[P:.+]] = arith.cmpf ugt, %[[X]], %[[Z]] : f32
// CHECK: %[[R:.+]] = arith.select %[[P]], %[[X]], %[[Z]] : f32
// CHECK: linalg.yield %[[R]] : f32
func.func @relu(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = grad.relu %x : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// sigmoid: exp(-|x|) only, never exp of a large positive number.
// CHECK-LABEL: func.func @sigmoid
// CHECK: math.absf
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.cmpf oge
// CHECK: arith.select
func.func @sigmoid(%x: tensor<8xf64>) -> tensor<8xf64> {
  %0 = grad.sigmoid %x : tensor<8xf64>
  return %0 : tensor<8xf64>
}

// -----

// gelu (tanh form) expanded in the body.
// CHECK-LABEL: func.func @gelu
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[C:.+]] = arith.constant 4.471500e-02 : f32
// CHECK: %[[X1:.+]] = arith.mulf %[[C]], %[[X]] : f32
// CHECK: %[[X2:.+]] = arith.mulf %[[X1]], %[[X]] : f32
// CHECK: %[[X3:.+]] = arith.mulf %[[X2]], %[[X]] : f32
// CHECK: %[[IN:.+]] = arith.addf %[[X]], %[[X3]] : f32
// CHECK: %[[K:.+]] = arith.constant 0.797884583 : f32
// CHECK: %[[S:.+]] = arith.mulf %[[K]], %[[IN]] : f32
// CHECK: %[[T:.+]] = math.tanh %[[S]] : f32
// CHECK: %[[H:.+]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[HX:.+]] = arith.mulf %[[H]], %[[X]] : f32
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[P:.+]] = arith.addf %[[ONE]], %[[T]] : f32
// CHECK: %[[R:.+]] = arith.mulf %[[HX]], %[[P]] : f32
// CHECK: linalg.yield %[[R]] : f32
func.func @gelu(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = grad.gelu %x : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Ordered predicates: any comparison with NaN is false.
// CHECK-LABEL: func.func @cmp_select
// CHECK: arith.cmpf olt
// CHECK: -> tensor<4xi1>
// CHECK: arith.cmpi sge
// CHECK: arith.select
func.func @cmp_select(%a: tensor<4xf32>, %b: tensor<4xf32>, %i: tensor<4xi64>, %j: tensor<4xi64>) -> (tensor<4xi1>, tensor<4xf32>) {
  %m = grad.cmp "lt", %a, %b : tensor<4xf32>
  %n = grad.cmp "ge", %i, %j : tensor<4xi64>
  %s = grad.select %n, %a, %b : tensor<4xi1>, tensor<4xf32>
  return %m, %s : tensor<4xi1>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @convert
// CHECK: arith.uitofp %{{.+}} : i1 to f32
// CHECK: arith.fptosi %{{.+}} : f32 to i64
// CHECK: arith.cmpi ne
// CHECK: arith.extf %{{.+}} : f32 to f64
func.func @convert(%m: tensor<4xi1>) -> (tensor<4xi64>, tensor<4xi1>, tensor<4xf64>) {
  %0 = grad.convert %m : tensor<4xi1> -> tensor<4xf32>
  %1 = grad.convert %0 : tensor<4xf32> -> tensor<4xi64>
  %2 = grad.convert %1 : tensor<4xi64> -> tensor<4xi1>
  %3 = grad.convert %0 : tensor<4xf32> -> tensor<4xf64>
  return %1, %2, %3 : tensor<4xi64>, tensor<4xi1>, tensor<4xf64>
}

// -----

// erf: its op-table row names math.erf, applied per element.
// CHECK-LABEL: func.func @erf
// CHECK: linalg.generic
// CHECK: ^bb0(%[[IN:.+]]: f64, %{{.+}}: f64):
// CHECK-NEXT: %[[E:.+]] = math.erf %[[IN]] : f64
// CHECK-NEXT: linalg.yield %[[E]] : f64
// CHECK-NOT: grad.
func.func @erf(%a: tensor<2x3xf64>) -> tensor<2x3xf64> {
  %0 = grad.erf %a : tensor<2x3xf64>
  return %0 : tensor<2x3xf64>
}
