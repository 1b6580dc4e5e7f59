// A value of a group used outside it: returned or read by an op that stays at the top level, it
// becomes an extra result of the region (multi-output fusion); read only by other regions, it is
// recomputed there (reduction.mlir, @softmax).
// RUN: grad-opt %s --grad-fuse --split-input-file | FileCheck %s

// %e is returned and also feeds the chain: the region yields both.
// CHECK-LABEL: func.func @returned
// CHECK-NEXT:    %[[F:.+]]:2 = grad.fusion(%{{.+}}) : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<4xf32>):
// CHECK-NEXT:      %[[E:.+]] = grad.exp %[[A]]
// CHECK-NEXT:      %[[L:.+]] = grad.log %[[E]]
// CHECK-NEXT:      %[[N:.+]] = grad.neg %[[L]]
// CHECK-NEXT:      grad.yield %[[E]], %[[N]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F]]#0, %[[F]]#1
func.func @returned(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = grad.exp %x : tensor<4xf32>
  %l = grad.log %e : tensor<4xf32>
  %n = grad.neg %l : tensor<4xf32>
  return %e, %n : tensor<4xf32>, tensor<4xf32>
}

// -----

// %s is read by a transpose (never fused): the region yields it next to its root; the transpose
// reads the region's result.
// CHECK-LABEL: func.func @read_by_unfused
// CHECK-NEXT:    %[[F:.+]]:2 = grad.fusion(%{{.+}}, %{{.+}}) : (tensor<2x2xf32>, tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
// CHECK:           %[[S:.+]] = grad.sin
// CHECK-NEXT:      %[[M:.+]] = grad.mul %[[S]]
// CHECK-NEXT:      grad.yield %[[S]], %[[M]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[T:.+]] = grad.transpose %[[F]]#0
// CHECK-NEXT:    return %[[F]]#1, %[[T]]
func.func @read_by_unfused(%x: tensor<2x2xf32>, %y: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %s = grad.sin %x : tensor<2x2xf32>
  %m = grad.mul %s, %y : tensor<2x2xf32>
  %t = grad.transpose %s {perm = array<i64: 1, 0>} : tensor<2x2xf32> -> tensor<2x2xf32>
  return %m, %t : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// A broadcast read by two regions (one of them a matmul's, where it also feeds the matmul) is
// recomputed in both and the original disappears. The add, read only by the last region, is
// recomputed there too, which leaves its own group with nothing to yield: no region for it.
// CHECK-LABEL: func.func @shared_broadcast
// CHECK-SAME:    (%[[V:.+]]: tensor<4xf32>, %[[X:.+]]: tensor<4x4xf32>)
// CHECK-NEXT:    %[[F1:.+]] = grad.fusion(%[[V]], %[[X]])
// CHECK-NEXT:    ^bb0(%[[A:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4x4xf32>):
// CHECK-NEXT:      %[[BC:.+]] = grad.broadcast %[[A]]
// CHECK-NEXT:      %[[M:.+]] = grad.matmul %[[B]], %[[BC]]
// CHECK-NEXT:      %[[P:.+]] = grad.mul %[[M]], %[[BC]]
// CHECK-NEXT:      grad.yield %[[P]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[S:.+]] = grad.sum %[[F1]]
// CHECK-NEXT:    %[[F2:.+]] = grad.fusion(%[[V]], %[[X]], %[[S]])
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      grad.broadcast
// CHECK-NEXT:      grad.add
// CHECK-NEXT:      grad.broadcast
// CHECK-NEXT:      grad.sub
// CHECK-NEXT:      grad.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F2]]
func.func @shared_broadcast(%v: tensor<4xf32>, %x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %b = grad.broadcast %v {dims = array<i64: 1>} : tensor<4xf32> -> tensor<4x4xf32>
  %m = grad.matmul %x, %b : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %p = grad.mul %m, %b : tensor<4x4xf32>
  %s = grad.sum %p {axes = array<i64: 1>} : tensor<4x4xf32> -> tensor<4xf32>
  %q = grad.add %x, %b : tensor<4x4xf32>
  %sb = grad.broadcast %s {dims = array<i64: 0>} : tensor<4xf32> -> tensor<4x4xf32>
  %r = grad.sub %q, %sb : tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
