// Input fusion: a reduction absorbs the elementwise chain that feeds it and ends its group; what
// consumes the reduction starts a new group.
// RUN: grad-opt %s --grad-fuse --split-input-file | FileCheck %s
// RUN: grad-opt %s --grad-fuse=report=true -mlir-print-op-on-diagnostic=false --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT

// sum(exp(x) * y) / 8: the chain and the sum are one region; the division by a constant after
// the sum is the next group (a single op: it stays). 4 kernels -> 2.
// REPORT: remark: grad-fuse: @ends_chain: kernels before: 4, after: 2
// CHECK-LABEL: func.func @ends_chain
// CHECK-SAME:    (%[[X:.+]]: tensor<4x8xf32>, %[[Y:.+]]: tensor<4x8xf32>)
// CHECK:         %[[F:.+]] = grad.fusion(%[[X]], %[[Y]]) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<4x8xf32>):
// CHECK-NEXT:      %[[E:.+]] = grad.exp %[[A]]
// CHECK-NEXT:      %[[M:.+]] = grad.mul %[[E]], %[[B]]
// CHECK-NEXT:      %[[S:.+]] = grad.sum %[[M]] {axes = array<i64: 1>}
// CHECK-NEXT:      grad.yield %[[S]] : tensor<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[C:.+]] = grad.constant dense<8.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %[[D:.+]] = grad.div %[[F]], %[[C]] : tensor<4xf32>
// CHECK-NEXT:    return %[[D]]
func.func @ends_chain(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4xf32> {
  %e = grad.exp %x : tensor<4x8xf32>
  %m = grad.mul %e, %y : tensor<4x8xf32>
  %s = grad.sum %m {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %c = grad.constant dense<8.0> : tensor<4xf32>
  %d = grad.div %s, %c : tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Softmax over rows: max | exp(x - max) summed | exp(x - max) / sum. Three regions' worth of
// work in three kernels (the max alone is a single op): exp(x - max) is read by the sum's region
// and by the division's region, so the division recomputes it instead of the sum's region
// yielding it (a yielded intermediate would be a second loop nest). 7 kernels -> 3.
// REPORT: remark: grad-fuse: @softmax: kernels before: 7, after: 3
// CHECK-LABEL: func.func @softmax
// CHECK-SAME:    (%[[X:.+]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[MAX:.+]] = grad.max %[[X]]
// CHECK-NEXT:    %[[SUM:.+]] = grad.fusion(%[[MAX]], %[[X]]) : (tensor<4xf32>, tensor<4x8xf32>) -> tensor<4xf32> {
// CHECK:           grad.broadcast
// CHECK-NEXT:      grad.sub
// CHECK-NEXT:      grad.exp
// CHECK-NEXT:      grad.sum
// CHECK-NEXT:      grad.yield {{.*}} : tensor<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[P:.+]] = grad.fusion(%[[MAX]], %[[X]], %[[SUM]]) : (tensor<4xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32> {
// CHECK:           grad.broadcast
// CHECK-NEXT:      grad.sub
// CHECK-NEXT:      grad.exp
// CHECK-NEXT:      grad.broadcast
// CHECK-NEXT:      grad.div
// CHECK-NEXT:      grad.yield {{.*}} : tensor<4x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[P]]
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = grad.max %x {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %mb = grad.broadcast %m {dims = array<i64: 0>} : tensor<4xf32> -> tensor<4x8xf32>
  %d = grad.sub %x, %mb : tensor<4x8xf32>
  %e = grad.exp %d : tensor<4x8xf32>
  %s = grad.sum %e {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %sb = grad.broadcast %s {dims = array<i64: 0>} : tensor<4xf32> -> tensor<4x8xf32>
  %r = grad.div %e, %sb : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// A reduction never absorbs a matmul's group: sum(relu(x @ w)) is the matmul region and the sum.
// 3 kernels -> 2.
// REPORT: remark: grad-fuse: @no_matmul_input_fusion: kernels before: 3, after: 2
// CHECK-LABEL: func.func @no_matmul_input_fusion
// CHECK-NEXT:    %[[F:.+]] = grad.fusion
// CHECK:           grad.matmul
// CHECK-NEXT:      grad.relu
// CHECK-NEXT:      grad.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[S:.+]] = grad.sum %[[F]]
// CHECK-NEXT:    return %[[S]]
func.func @no_matmul_input_fusion(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>) -> tensor<f32> {
  %m = grad.matmul %x, %w : tensor<4x8xf32>, tensor<8x2xf32> -> tensor<4x2xf32>
  %r = grad.relu %m : tensor<4x2xf32>
  %s = grad.sum %r {axes = array<i64: 0, 1>} : tensor<4x2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----
// Note [Sibling reductions]: sum(e) and sum(e * y) over the rows of one e = exp(x) are one region
// with two results (the CPU lowering computes them in one loop nest). A reduction of e over the
// other axis lowers to a loop nest of another shape: not a sibling; alone, it reads e from the
// region (a result of it).
// CHECK-LABEL: func.func @siblings
// CHECK:         %[[R:.+]]:3 = grad.fusion(%{{.+}}, %{{.+}}) : (tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>) {
// CHECK:           %[[E:.+]] = grad.exp
// CHECK-NOT:       grad.exp
// CHECK:           %[[S1:.+]] = grad.sum %{{.+}} {axes = array<i64: 1>}
// CHECK:           %[[S2:.+]] = grad.sum %[[E]] {axes = array<i64: 1>}
// CHECK:           grad.yield %[[E]], %[[S1]], %[[S2]]
// CHECK:         %[[C:.+]] = grad.sum %[[R]]#0 {axes = array<i64: 0>}
// CHECK:         return %[[R]]#1, %[[R]]#2, %[[C]]
func.func @siblings(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<8xf32>) {
  %e = grad.exp %x : tensor<4x8xf32>
  %m = grad.mul %e, %y : tensor<4x8xf32>
  %s1 = grad.sum %m {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %s2 = grad.sum %e {axes = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  %s3 = grad.sum %e {axes = array<i64: 0>} : tensor<4x8xf32> -> tensor<8xf32>
  return %s1, %s2, %s3 : tensor<4xf32>, tensor<4xf32>, tensor<8xf32>
}
