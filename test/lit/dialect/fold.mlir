// Constant folding by fold(): every foldable op on constant operands. Expected values are
// computed by hand and chosen exact in binary floating point (e.g. 2.5, 0.25), except exp(1),
// whose expected value is e rounded to the nearest double.
// RUN: grad-opt %s -canonicalize -split-input-file | FileCheck %s

// a = [1, 2], b = [4, 0.5]
// CHECK-LABEL: func.func @binary_f32
// CHECK-DAG: %[[ADD:.+]] = grad.constant dense<[5.000000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[SUB:.+]] = grad.constant dense<[-3.000000e+00, 1.500000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[MUL:.+]] = grad.constant dense<[4.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[DIV:.+]] = grad.constant dense<[2.500000e-01, 4.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[MAX:.+]] = grad.constant dense<[4.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[MIN:.+]] = grad.constant dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[POW:.+]] = grad.constant dense<[9.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]], %[[MAX]], %[[MIN]], %[[POW]]
func.func @binary_f32() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
                            tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = grad.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = grad.constant dense<[4.0, 0.5]> : tensor<2xf32>
  %0 = grad.add %a, %b : tensor<2xf32>
  %1 = grad.sub %a, %b : tensor<2xf32>
  %2 = grad.mul %a, %b : tensor<2xf32>
  %3 = grad.div %a, %b : tensor<2xf32>
  %4 = grad.maximum %a, %b : tensor<2xf32>
  %5 = grad.minimum %a, %b : tensor<2xf32>
  %base = grad.constant dense<[3.0, 2.0]> : tensor<2xf32>
  %exp = grad.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %6 = grad.pow %base, %exp : tensor<2xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// maximum/minimum propagate NaN (0x7FC00000 is the f32 quiet NaN).
// CHECK-LABEL: func.func @nan_propagation
// CHECK-DAG: %[[MAX:.+]] = grad.constant dense<[2.000000e+00, 0x7FC00000]> : tensor<2xf32>
// CHECK-DAG: %[[MIN:.+]] = grad.constant dense<[1.000000e+00, 0x7FC00000]> : tensor<2xf32>
// CHECK: return %[[MAX]], %[[MIN]]
func.func @nan_propagation() -> (tensor<2xf32>, tensor<2xf32>) {
  %a = grad.constant dense<[1.0, 0x7FC00000]> : tensor<2xf32>
  %b = grad.constant dense<[2.0, 0.0]> : tensor<2xf32>
  %0 = grad.maximum %a, %b : tensor<2xf32>
  %1 = grad.minimum %a, %b : tensor<2xf32>
  return %0, %1 : tensor<2xf32>, tensor<2xf32>
}

// -----

// a = [5, -3], b = [2, 7]
// CHECK-LABEL: func.func @binary_i64
// CHECK-DAG: %[[ADD:.+]] = grad.constant dense<[7, 4]> : tensor<2xi64>
// CHECK-DAG: %[[SUB:.+]] = grad.constant dense<[3, -10]> : tensor<2xi64>
// CHECK-DAG: %[[MUL:.+]] = grad.constant dense<[10, -21]> : tensor<2xi64>
// CHECK-DAG: %[[MAX:.+]] = grad.constant dense<[5, 7]> : tensor<2xi64>
// CHECK-DAG: %[[MIN:.+]] = grad.constant dense<[2, -3]> : tensor<2xi64>
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[MAX]], %[[MIN]]
func.func @binary_i64() -> (tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) {
  %a = grad.constant dense<[5, -3]> : tensor<2xi64>
  %b = grad.constant dense<[2, 7]> : tensor<2xi64>
  %0 = grad.add %a, %b : tensor<2xi64>
  %1 = grad.sub %a, %b : tensor<2xi64>
  %2 = grad.mul %a, %b : tensor<2xi64>
  %3 = grad.maximum %a, %b : tensor<2xi64>
  %4 = grad.minimum %a, %b : tensor<2xi64>
  return %0, %1, %2, %3, %4 : tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @unary_exact
// CHECK-DAG: %[[NEG:.+]] = grad.constant dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[SQRT:.+]] = grad.constant dense<[2.000000e+00, 1.500000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[RSQRT:.+]] = grad.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[ABS:.+]] = grad.constant dense<[3.000000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[RELU:.+]] = grad.constant dense<[0.000000e+00, 7.000000e+00]> : tensor<2xf32>
// CHECK: return %[[NEG]], %[[SQRT]], %[[RSQRT]], %[[ABS]], %[[RELU]]
func.func @unary_exact() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %0 = grad.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %n = grad.neg %0 : tensor<2xf32>
  %1 = grad.constant dense<[4.0, 2.25]> : tensor<2xf32>
  %s = grad.sqrt %1 : tensor<2xf32>
  %2 = grad.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %r = grad.rsqrt %2 : tensor<2xf32>
  %3 = grad.constant dense<[-3.0, 2.5]> : tensor<2xf32>
  %a = grad.abs %3 : tensor<2xf32>
  %4 = grad.constant dense<[-1.0, 7.0]> : tensor<2xf32>
  %u = grad.relu %4 : tensor<2xf32>
  return %n, %s, %r, %a, %u : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Transcendental ops at points where the value is exact: exp(0) = 1, log(1) = 0, tanh(0) = 0,
// sigmoid(0) = 1/2, gelu(0) = 0, sin(0) = 0, cos(0) = 1; and exp(1) = e (nearest double).
// CHECK-LABEL: func.func @unary_transcendental
// CHECK-DAG: %[[EXP:.+]] = grad.constant dense<[1.000000e+00, 2.7182818284590451]> : tensor<2xf64>
// CHECK-DAG: %[[ZERO:.+]] = grad.constant dense<0.000000e+00> : tensor<1xf64>
// CHECK-DAG: %[[HALF:.+]] = grad.constant dense<5.000000e-01> : tensor<1xf64>
// CHECK-DAG: %[[ONE:.+]] = grad.constant dense<1.000000e+00> : tensor<1xf64>
// CHECK: return %[[EXP]], %[[ZERO]], %[[ZERO]], %[[HALF]], %[[ZERO]], %[[ZERO]], %[[ONE]]
func.func @unary_transcendental() -> (tensor<2xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>,
                                      tensor<1xf64>, tensor<1xf64>, tensor<1xf64>) {
  %p = grad.constant dense<[0.0, 1.0]> : tensor<2xf64>
  %zero = grad.constant dense<0.0> : tensor<1xf64>
  %one = grad.constant dense<1.0> : tensor<1xf64>
  %0 = grad.exp %p : tensor<2xf64>
  %1 = grad.log %one : tensor<1xf64>
  %2 = grad.tanh %zero : tensor<1xf64>
  %3 = grad.sigmoid %zero : tensor<1xf64>
  %4 = grad.gelu %zero : tensor<1xf64>
  %5 = grad.sin %zero : tensor<1xf64>
  %6 = grad.cos %zero : tensor<1xf64>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>, tensor<1xf64>
}

// -----

// erf folds with its op-table row's scalar reference (std::erf) at points where the value is
// exact: erf(+-0) = +-0, erf(-inf) = -1, erf(inf) = 1. A splat folds too.
// CHECK-LABEL: func.func @erf
// CHECK-DAG: %[[C:.+]] = grad.constant dense<[0.000000e+00, -0.000000e+00, -1.000000e+00, 1.000000e+00]> : tensor<4xf64>
// CHECK-DAG: %[[S:.+]] = grad.constant dense<-1.000000e+00> : tensor<2x3xf32>
// CHECK-NOT: grad.erf
// CHECK: return %[[C]], %[[S]]
func.func @erf() -> (tensor<4xf64>, tensor<2x3xf32>) {
  %c = grad.constant dense<[0.0, -0.0, 0xFFF0000000000000, 0x7FF0000000000000]> : tensor<4xf64>
  %0 = grad.erf %c : tensor<4xf64>
  %s = grad.constant dense<0xFF800000> : tensor<2x3xf32>
  %1 = grad.erf %s : tensor<2x3xf32>
  return %0, %1 : tensor<4xf64>, tensor<2x3xf32>
}

// -----

// a = [1, 2, 3], b = [2, 2, 2]; and -0.0 == +0.0, NaN < 1 is false.
// CHECK-LABEL: func.func @cmp
// CHECK-DAG: %[[LT:.+]] = grad.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK-DAG: %[[LE:.+]] = grad.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG: %[[GT:.+]] = grad.constant dense<[false, false, true]> : tensor<3xi1>
// CHECK-DAG: %[[GE:.+]] = grad.constant dense<[false, true, true]> : tensor<3xi1>
// CHECK-DAG: %[[EQ:.+]] = grad.constant dense<[false, true, false]> : tensor<3xi1>
// CHECK-DAG: %[[SPECIAL:.+]] = grad.constant dense<[true, false]> : tensor<2xi1>
// CHECK: return %[[LT]], %[[LE]], %[[GT]], %[[GE]], %[[EQ]], %[[SPECIAL]]
func.func @cmp() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<2xi1>) {
  %a = grad.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = grad.constant dense<2.0> : tensor<3xf32>
  %0 = grad.cmp "lt", %a, %b : tensor<3xf32>
  %1 = grad.cmp "le", %a, %b : tensor<3xf32>
  %2 = grad.cmp "gt", %a, %b : tensor<3xf32>
  %3 = grad.cmp "ge", %a, %b : tensor<3xf32>
  %4 = grad.cmp "eq", %a, %b : tensor<3xf32>
  %z = grad.constant dense<[-0.0, 0x7FF8000000000000]> : tensor<2xf64>
  %w = grad.constant dense<[0.0, 1.0]> : tensor<2xf64>
  %eq = grad.cmp "eq", %z, %w : tensor<2xf64>
  %lt = grad.cmp "lt", %z, %w : tensor<2xf64>
  %5 = grad.select %lt, %lt, %eq : tensor<2xi1>, tensor<2xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<2xi1>
}

// -----

// CHECK-LABEL: func.func @select_constant
// CHECK: %[[R:.+]] = grad.constant dense<[1.000000e+00, 2.000000e+01, 3.000000e+00]> : tensor<3xf32>
// CHECK: return %[[R]]
func.func @select_constant() -> tensor<3xf32> {
  %c = grad.constant dense<[true, false, true]> : tensor<3xi1>
  %a = grad.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = grad.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %0 = grad.select %c, %a, %b : tensor<3xi1>, tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Float -> i64 truncates toward zero; x -> i1 is x != 0; i1 -> float is 0 or 1.
// CHECK-LABEL: func.func @convert_constant
// CHECK-DAG: %[[I:.+]] = grad.constant dense<[1, -1, 2]> : tensor<3xi64>
// CHECK-DAG: %[[F:.+]] = grad.constant dense<[1.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[B:.+]] = grad.constant dense<[false, true]> : tensor<2xi1>
// CHECK-DAG: %[[D:.+]] = grad.constant dense<[-4.000000e+00, 6.000000e+00]> : tensor<2xf64>
// CHECK: return %[[I]], %[[F]], %[[B]], %[[D]]
func.func @convert_constant() -> (tensor<3xi64>, tensor<2xf32>, tensor<2xi1>, tensor<2xf64>) {
  %0 = grad.constant dense<[1.5, -1.5, 2.0]> : tensor<3xf32>
  %i = grad.convert %0 : tensor<3xf32> -> tensor<3xi64>
  %1 = grad.constant dense<[true, false]> : tensor<2xi1>
  %f = grad.convert %1 : tensor<2xi1> -> tensor<2xf32>
  %2 = grad.constant dense<[0.0, -2.5]> : tensor<2xf64>
  %b = grad.convert %2 : tensor<2xf64> -> tensor<2xi1>
  %3 = grad.constant dense<[-4, 6]> : tensor<2xi64>
  %d = grad.convert %3 : tensor<2xi64> -> tensor<2xf64>
  return %i, %f, %b, %d : tensor<3xi64>, tensor<2xf32>, tensor<2xi1>, tensor<2xf64>
}

// -----

// NaN has no i64 value: the convert stays (the eager kernel decides at run time).
// CHECK-LABEL: func.func @convert_nan_to_int_stays
// CHECK: grad.convert
func.func @convert_nan_to_int_stays() -> tensor<1xi64> {
  %0 = grad.constant dense<0x7FC00000> : tensor<1xf32>
  %1 = grad.convert %0 : tensor<1xf32> -> tensor<1xi64>
  return %1 : tensor<1xi64>
}

// -----

// CHECK-LABEL: func.func @shape_ops_constant
// CHECK-DAG: %[[B1:.+]] = grad.constant dense<{{\[\[}}1, 2, 3], [1, 2, 3]]> : tensor<2x3xi64>
// CHECK-DAG: %[[B0:.+]] = grad.constant dense<{{\[\[}}5, 5, 5], [6, 6, 6]]> : tensor<2x3xi64>
// CHECK-DAG: %[[T:.+]] = grad.constant dense<{{\[\[}}1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
// CHECK-DAG: %[[R:.+]] = grad.constant dense<{{\[\[}}1, 2], [3, 4], [5, 6]]> : tensor<3x2xi64>
// CHECK-DAG: %[[S:.+]] = grad.constant dense<{{\[\[}}5, 6]]> : tensor<1x2xi64>
// CHECK-DAG: %[[SS:.+]] = grad.constant dense<[1, 3]> : tensor<2xi64>
// CHECK-DAG: %[[C0:.+]] = grad.constant dense<{{\[\[}}7, 8], [1, 2], [4, 5]]> : tensor<3x2xi64>
// CHECK-DAG: %[[C1:.+]] = grad.constant dense<{{\[\[}}5, 1, 2, 3], [6, 4, 5, 6]]> : tensor<2x4xi64>
// CHECK: return %[[B1]], %[[B0]], %[[T]], %[[R]], %[[S]], %[[SS]], %[[C0]], %[[C1]]
func.func @shape_ops_constant() -> (tensor<2x3xi64>, tensor<2x3xi64>, tensor<3x2xi64>, tensor<3x2xi64>,
                                    tensor<1x2xi64>, tensor<2xi64>, tensor<3x2xi64>, tensor<2x4xi64>) {
  %v = grad.constant dense<[1, 2, 3]> : tensor<3xi64>
  %col = grad.constant dense<[[5], [6]]> : tensor<2x1xi64>
  %x = grad.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = grad.broadcast %v {dims = array<i64: 1>} : tensor<3xi64> -> tensor<2x3xi64>
  %1 = grad.broadcast %col {dims = array<i64: 0, 1>} : tensor<2x1xi64> -> tensor<2x3xi64>
  %2 = grad.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xi64> -> tensor<3x2xi64>
  %3 = grad.reshape %x : tensor<2x3xi64> -> tensor<3x2xi64>
  %4 = grad.slice %x {starts = array<i64: 1, 1>, limits = array<i64: 2, 3>, strides = array<i64: 1, 1>} : tensor<2x3xi64> -> tensor<1x2xi64>
  %5 = grad.slice %v {starts = array<i64: 0>, limits = array<i64: 3>, strides = array<i64: 2>} : tensor<3xi64> -> tensor<2xi64>
  %row = grad.constant dense<[[7, 8]]> : tensor<1x2xi64>
  %x2 = grad.slice %x {starts = array<i64: 0, 0>, limits = array<i64: 2, 2>, strides = array<i64: 1, 1>} : tensor<2x3xi64> -> tensor<2x2xi64>
  %6 = grad.concat %row, %x2 {axis = 0 : i64} : tensor<1x2xi64>, tensor<2x2xi64> -> tensor<3x2xi64>
  %7 = grad.concat %col, %x {axis = 1 : i64} : tensor<2x1xi64>, tensor<2x3xi64> -> tensor<2x4xi64>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2x3xi64>, tensor<2x3xi64>, tensor<3x2xi64>, tensor<3x2xi64>, tensor<1x2xi64>, tensor<2xi64>, tensor<3x2xi64>, tensor<2x4xi64>
}

// -----

// x = [[1, 2, 3], [4, 5, 6]]
// CHECK-LABEL: func.func @reductions_constant
// CHECK-DAG: %[[S1:.+]] = grad.constant dense<[6.000000e+00, 1.500000e+01]> : tensor<2xf32>
// CHECK-DAG: %[[S0:.+]] = grad.constant dense<{{\[\[}}5.000000e+00, 7.000000e+00, 9.000000e+00]]> : tensor<1x3xf32>
// CHECK-DAG: %[[M:.+]] = grad.constant dense<3.500000e+00> : tensor<f32>
// CHECK-DAG: %[[X:.+]] = grad.constant dense<[3.000000e+00, 6.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[XN:.+]] = grad.constant dense<0x7FC00000> : tensor<f32>
// CHECK-DAG: %[[SI:.+]] = grad.constant dense<21> : tensor<i64>
// CHECK: return %[[S1]], %[[S0]], %[[M]], %[[X]], %[[XN]], %[[SI]]
func.func @reductions_constant() -> (tensor<2xf32>, tensor<1x3xf32>, tensor<f32>, tensor<2xf32>,
                                     tensor<f32>, tensor<i64>) {
  %x = grad.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %0 = grad.sum %x {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  %1 = grad.sum %x {axes = array<i64: 0>, keepdim = true} : tensor<2x3xf32> -> tensor<1x3xf32>
  %2 = grad.mean %x {axes = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<f32>
  %3 = grad.max %x {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  %n = grad.constant dense<[1.0, 0x7FC00000, 3.0]> : tensor<3xf32>
  %4 = grad.max %n {axes = array<i64: 0>} : tensor<3xf32> -> tensor<f32>
  %i = grad.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %5 = grad.sum %i {axes = array<i64: 0, 1>} : tensor<2x3xi64> -> tensor<i64>
  return %0, %1, %2, %3, %4, %5 : tensor<2xf32>, tensor<1x3xf32>, tensor<f32>, tensor<2xf32>, tensor<f32>, tensor<i64>
}

// -----

// Ops that fold() leaves to --grad-fold (the eager kernels): matmul and gather.
// CHECK-LABEL: func.func @left_to_grad_fold
// CHECK: grad.matmul
// CHECK: grad.gather
func.func @left_to_grad_fold() -> (tensor<1x1xf32>, tensor<1x2xf32>) {
  %a = grad.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %b = grad.constant dense<[[3.0], [4.0]]> : tensor<2x1xf32>
  %0 = grad.matmul %a, %b : tensor<1x2xf32>, tensor<2x1xf32> -> tensor<1x1xf32>
  %i = grad.constant dense<[0]> : tensor<1xi64>
  %1 = grad.gather %a, %i : tensor<1x2xf32>, tensor<1xi64> -> tensor<1x2xf32>
  return %0, %1 : tensor<1x1xf32>, tensor<1x2xf32>
}
