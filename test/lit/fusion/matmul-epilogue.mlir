// Output fusion: gelu(x @ w + b) is one grad.fusion whose root is the matmul; the bias
// broadcast is recomputed inside (never materialized). 4 kernels -> 1.
// RUN: grad-opt %s --grad-fuse | FileCheck %s
// RUN: grad-opt %s --grad-fuse=report=true -mlir-print-op-on-diagnostic=false 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT

// REPORT: remark: grad-fuse: @dense_gelu: kernels before: 4, after: 1
// CHECK-LABEL: func.func @dense_gelu
// CHECK-SAME:    (%[[X:.+]]: tensor<4x8xf32>, %[[W:.+]]: tensor<8x16xf32>, %[[B:.+]]: tensor<16xf32>)
// CHECK-NEXT:    %[[F:.+]] = grad.fusion(%[[X]], %[[W]], %[[B]]) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32> {
// CHECK-NEXT:    ^bb0(%[[A0:.+]]: tensor<4x8xf32>, %[[A1:.+]]: tensor<8x16xf32>, %[[A2:.+]]: tensor<16xf32>):
// CHECK-NEXT:      %[[M:.+]] = grad.matmul %[[A0]], %[[A1]]
// CHECK-NEXT:      %[[BB:.+]] = grad.broadcast %[[A2]] {dims = array<i64: 1>}
// CHECK-NEXT:      %[[S:.+]] = grad.add %[[M]], %[[BB]]
// CHECK-NEXT:      %[[G:.+]] = grad.gelu %[[S]]
// CHECK-NEXT:      grad.yield %[[G]] : tensor<4x16xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[F]]
func.func @dense_gelu(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %m = grad.matmul %x, %w : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %bb = grad.broadcast %b {dims = array<i64: 1>} : tensor<16xf32> -> tensor<4x16xf32>
  %s = grad.add %m, %bb : tensor<4x16xf32>
  %g = grad.gelu %s : tensor<4x16xf32>
  return %g : tensor<4x16xf32>
}

// Two matmuls never share a group: -(-(relu(x @ w1) @ w2 + c)) is two fusions, the second matmul
// reading the first fusion's result. The producer of a matmul operand stays outside it (no input
// fusion into a matmul). 6 kernels -> 2.
// REPORT: remark: grad-fuse: @two_layers: kernels before: 6, after: 2
// CHECK-LABEL: func.func @two_layers
// CHECK:         %[[H:.+]] = grad.fusion(%{{.+}}, %{{.+}}) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK:           grad.matmul
// CHECK-NEXT:      grad.relu
// CHECK-NEXT:      grad.yield
// CHECK:         %[[O:.+]] = grad.fusion(%[[H]], %{{.+}}, %{{.+}}) : (tensor<4x8xf32>, tensor<8x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
// CHECK:           grad.matmul
// CHECK-NEXT:      grad.add
// CHECK-NEXT:      grad.neg
// CHECK-NEXT:      grad.neg
// CHECK-NEXT:      grad.yield
// CHECK:         return %[[O]]
func.func @two_layers(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x2xf32>, %c: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %m1 = grad.matmul %x, %w1 : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %h = grad.relu %m1 : tensor<4x8xf32>
  %m2 = grad.matmul %h, %w2 : tensor<4x8xf32>, tensor<8x2xf32> -> tensor<4x2xf32>
  %o = grad.add %m2, %c : tensor<4x2xf32>
  %n = grad.neg %o : tensor<4x2xf32>
  %p = grad.neg %n : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}
