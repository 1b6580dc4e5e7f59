// --grad-fold: constant subgraphs are evaluated with the eager kernels and replaced by one
// grad.constant per value that leaves them; non-constant ops stay as they are. Expected values
// are computed by hand.
// RUN: grad-opt %s --grad-fold --split-input-file | FileCheck %s

// A chain sqrt -> mul -> add over one constant becomes a single constant.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    (%[[X:.+]]: tensor<2xf32>)
// CHECK-NEXT:    %[[C:.+]] = grad.constant dense<[2.000000e+00, 8.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %[[R:.+]] = grad.add %[[C]], %[[X]] : tensor<2xf32>
// CHECK-NEXT:    return %[[R]]
func.func @chain(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = grad.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %b = grad.sqrt %a : tensor<2xf32>
  %c = grad.mul %b, %b : tensor<2xf32>
  %d = grad.add %c, %a : tensor<2xf32>
  %e = grad.add %d, %x : tensor<2xf32>
  return %e : tensor<2xf32>
}

// -----

// matmul, transpose and a full reduction of constants fold to a 0-d constant:
// [[1,2],[3,4]] @ [[1,2],[3,4]]^T = [[5,11],[11,25]], sum = 52.
// CHECK-LABEL: func.func @matmul_sum
// CHECK-NEXT:    %[[C:.+]] = grad.constant dense<5.200000e+01> : tensor<f32>
// CHECK-NEXT:    return %[[C]]
func.func @matmul_sum() -> tensor<f32> {
  %a = grad.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %t = grad.transpose %a {perm = array<i64: 1, 0>} : tensor<2x2xf32> -> tensor<2x2xf32>
  %m = grad.matmul %a, %t : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
  %s = grad.sum %m {axes = array<i64: 0, 1>} : tensor<2x2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// A constant value used both inside the subgraph and by a non-constant op is materialized once,
// at its op's position, for the outside use; the subgraph's final value gets its own constant.
// CHECK-LABEL: func.func @shared
// CHECK-SAME:    (%[[X:.+]]: tensor<3xi64>)
// CHECK-NEXT:    %[[SQ:.+]] = grad.constant dense<[1, 4, 9]> : tensor<3xi64>
// CHECK-NEXT:    %[[U:.+]] = grad.mul %[[SQ]], %[[X]] : tensor<3xi64>
// CHECK-NEXT:    %[[SUM:.+]] = grad.constant dense<[2, 6, 12]> : tensor<3xi64>
// CHECK-NEXT:    %[[V:.+]] = grad.sub %[[U]], %[[SUM]] : tensor<3xi64>
// CHECK-NEXT:    return %[[V]]
func.func @shared(%x: tensor<3xi64>) -> tensor<3xi64> {
  %a = grad.constant dense<[1, 2, 3]> : tensor<3xi64>
  %sq = grad.mul %a, %a : tensor<3xi64>
  %u = grad.mul %sq, %x : tensor<3xi64>
  %sum = grad.add %sq, %a : tensor<3xi64>
  %v = grad.sub %u, %sum : tensor<3xi64>
  return %v : tensor<3xi64>
}

// -----

// Comparisons and select of constants fold to i1 / f32 constants.
// CHECK-LABEL: func.func @mask
// CHECK-DAG:     grad.constant dense<[true, false, true]> : tensor<3xi1>
// CHECK-DAG:     grad.constant dense<[1.000000e+00, 0.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-NOT:     grad.cmp
// CHECK-NOT:     grad.select
// CHECK:         return
func.func @mask() -> (tensor<3xi1>, tensor<3xf32>) {
  %a = grad.constant dense<[1.0, -2.0, 3.0]> : tensor<3xf32>
  %z = grad.constant dense<0.0> : tensor<3xf32>
  %m = grad.cmp "gt", %a, %z : tensor<3xf32>
  %r = grad.select %m, %a, %z : tensor<3xi1>, tensor<3xf32>
  return %m, %r : tensor<3xi1>, tensor<3xf32>
}

// -----

// Nothing constant: the function is unchanged.
// CHECK-LABEL: func.func @untouched
// CHECK-NEXT:    grad.exp %arg0
// CHECK-NEXT:    grad.matmul
// CHECK-NEXT:    return
func.func @untouched(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %e = grad.exp %x : tensor<2x2xf32>
  %m = grad.matmul %e, %x : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %m : tensor<2x2xf32>
}

// -----

// Constant subgraphs inside a grad.fusion body fold there; the block arguments stay.
// CHECK-LABEL: func.func @in_fusion
// CHECK:         grad.fusion
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<2xf32>):
// CHECK-NEXT:      %[[C:.+]] = grad.constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:      %[[M:.+]] = grad.mul %[[A]], %[[C]]
// CHECK-NEXT:      grad.yield %[[M]]
func.func @in_fusion(%x: tensor<2xf32>) -> tensor<2xf32> {
  %r = grad.fusion (%x) : (tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%a: tensor<2xf32>):
    %c = grad.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %one = grad.constant dense<1.0> : tensor<2xf32>
    %d = grad.add %c, %one : tensor<2xf32>
    %m = grad.mul %a, %d : tensor<2xf32>
    grad.yield %m : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}
