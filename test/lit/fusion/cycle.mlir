// Two groups never merge when a path between them leaves their union: the fused op would need
// its own result. Here exp -> transpose -> add and exp -> add: putting exp and add in one region
// would make the transpose both read and feed it.
// RUN: grad-opt %s --grad-fuse --split-input-file | FileCheck %s
// RUN: grad-opt %s --grad-fuse=report=true -mlir-print-op-on-diagnostic=false --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT

// REPORT: remark: grad-fuse: @through_transpose: kernels before: 4, after: 3
// CHECK-LABEL: func.func @through_transpose
// CHECK-SAME:    (%[[X:.+]]: tensor<3x3xf32>)
// CHECK-NEXT:    %[[E:.+]] = grad.exp %[[X]]
// CHECK-NEXT:    %[[T:.+]] = grad.transpose %[[E]]
// CHECK-NEXT:    %[[F:.+]] = grad.fusion(%[[E]], %[[T]])
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<3x3xf32>, %[[B:.+]]: tensor<3x3xf32>):
// CHECK-NEXT:      %[[S:.+]] = grad.add %[[A]], %[[B]]
// CHECK-NEXT:      %[[N:.+]] = grad.neg %[[S]]
// CHECK-NEXT:      grad.yield %[[N]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F]]
func.func @through_transpose(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %e = grad.exp %x : tensor<3x3xf32>
  %t = grad.transpose %e {perm = array<i64: 1, 0>} : tensor<3x3xf32> -> tensor<3x3xf32>
  %s = grad.add %e, %t : tensor<3x3xf32>
  %n = grad.neg %s : tensor<3x3xf32>
  return %n : tensor<3x3xf32>
}

// -----

// The same through a reduction: x*x is summed (a sealed group: sum absorbed mul), and sub reads
// both x*x and the broadcast sum. sub cannot join the sum's group (sealed, and the merge would
// close the cycle mul -> sum -> broadcast -> sub), so it recomputes x*x: two regions.
// REPORT: remark: grad-fuse: @through_reduction: kernels before: 4, after: 2
// CHECK-LABEL: func.func @through_reduction
// CHECK-NEXT:    %[[F1:.+]] = grad.fusion
// CHECK:           grad.mul
// CHECK-NEXT:      grad.sum
// CHECK-NEXT:      grad.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[F2:.+]] = grad.fusion(%{{.+}}, %[[F1]])
// CHECK:           grad.mul
// CHECK-NEXT:      grad.broadcast
// CHECK-NEXT:      grad.sub
// CHECK-NEXT:      grad.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F2]]
func.func @through_reduction(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q = grad.mul %x, %x : tensor<2x4xf32>
  %s = grad.sum %q {axes = array<i64: 1>} : tensor<2x4xf32> -> tensor<2xf32>
  %sb = grad.broadcast %s {dims = array<i64: 0>} : tensor<2xf32> -> tensor<2x4xf32>
  %d = grad.sub %q, %sb : tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}
